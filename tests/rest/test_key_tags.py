"""DeskPRO's access patterns of endpoint tags, as API keys use them."""
import pytest

from portal.apikeys.tags import allows, parse, problem


@pytest.mark.parametrize("pattern,tag,allowed", [
    ("*", "tickets.tickets.list", True),
    ("", "tickets.tickets.list", True),  # a key without a pattern allows everything, as DeskPRO's default
    ("*, -tickets.*", "tickets.tickets.list", False),
    ("*, -tickets.*", "people.people.get", True),
    ("tickets.*, -*.delete", "tickets.tickets.list", True),
    ("tickets.*, -*.delete", "tickets.tickets.delete", False),
    ("tickets.*, -*.delete", "people.people.list", False),
    ("tickets.tickets.list", "tickets.tickets.list", True),
    ("tickets.tickets.list", "tickets.tickets.get", False),
    ("tickets.tickets.list", "tickets.tickets.listing", False),  # whole tags, not prefixes
    ("-*.delete, *", "tickets.tickets.delete", False),  # order does not matter
    ("-tickets.*", "tickets.tickets.list", False),  # only removals: nothing is allowed
    ("helpspot.private.request.*", "helpspot.private.request.get", True),
    ("tickets.tickets.list", "tickets_tickets_list", False),  # a dot is a dot, not any character
])
def test_patterns(pattern, tag, allowed):
    assert allows(pattern, tag) is allowed


def test_parse_splits_allowing_and_removing_globs():
    assert parse(" *, - tickets.* ,") == (("*",), ("tickets.*",))


@pytest.mark.parametrize("pattern", ["*", "*, -tickets.*", "tickets.*, -*.delete", "tickets.tickets.list"])
def test_good_patterns_have_no_problem(pattern):
    assert problem(pattern) is None


@pytest.mark.parametrize("pattern", ["tickets/list", "<script>", "a b", "x" * 501])
def test_bad_patterns_are_refused(pattern):
    assert problem(pattern)
