"""The staff workspace's request handling: opening for a customer, correcting details and fields, pinning,
merging, subscriptions, time, canned responses and category limits."""
from datetime import date

import pytest

from portal.accounts.models import Staff
from portal.errors import Forbidden, Merged, NotFound, ValidationFailed
from portal.extensions import db
from portal.requests import categories, editing, merging, responses, services, subscriptions, timelog
from portal.requests.models import Note, Request, RequestMerge
from portal.requests.services import RequestInput
from portal.requests.workspace_models import RequestSubscription, TimeEvent
from tests import factories


@pytest.fixture
def people(ctx, make_staff):
    agent = db.session.get(Staff, make_staff("agent@example.com", first_name="Sam", last_name="Lee"))
    other = db.session.get(Staff, make_staff("other@example.com", first_name="Ola", last_name="Berg"))
    admin = db.session.get(Staff, make_staff("admin@example.com", role="administrator", first_name="Ad"))
    moderator = db.session.get(Staff, make_staff("mod@example.com", role="moderator"))
    return agent, other, admin, moderator


def logs(req):
    return [n.log for n in db.session.execute(db.select(Note).where(Note.request_id == req.id, Note.log != "")
                                              .order_by(Note.id)).scalars()]


def test_open_for_a_customer_who_phoned(people):
    agent, *_ = people
    req = editing.open_for_customer(agent, RequestInput(note="Printer jammed", first_name="Kim", phone="555 1234",
                                                        opened_via=2))
    db.session.commit()
    assert req.opened_via == 2 and req.opened_by_id == agent.id and req.phone == "555 1234"
    assert req.notes[0].author_id == agent.id and req.notes[0].is_initial
    with pytest.raises(ValidationFailed) as exc:
        editing.open_for_customer(agent, RequestInput(note="x", opened_via=3))
    assert exc.value.errors[0][0] == "email"  # some customer information is needed
    with pytest.raises(Forbidden):
        editing.open_for_customer(people[3], RequestInput(note="x", email="a@example.com"))


def test_update_customer_logs_each_change_and_refuses_bad_email(people):
    agent, *_ = people
    req = factories.request(first_name="Kim", email="kim@example.com")
    changes = editing.update_customer(req, agent, first_name="Kimberly", email="KIM.B@Example.com", phone="42")
    assert req.first_name == "Kimberly" and req.email == "kim.b@example.com" and req.phone == "42"
    assert len(changes) == 3 and logs(req) == changes
    with pytest.raises(ValidationFailed):
        editing.update_customer(req, agent, email="not an address", first_name="Changed")
    assert req.first_name == "Kimberly"  # nothing changed on a refusal
    with pytest.raises(ValidationFailed):
        editing.update_customer(req, agent, first_name="", last_name="", email="", phone="", user_id="")


def test_update_fields_follows_the_category_rules(people):
    agent, *_ = people
    size = factories.custom_field("Size", "numtext", required=True)
    color = factories.custom_field("Color", "select", list_items=["Red", "Blue"])
    elsewhere = factories.custom_field("Elsewhere")
    cat = factories.category("Shop", fields=[size, color])
    req = factories.request(category_id=cat.id, custom={size.id: "3"})
    assert editing.update_fields(req, agent, {color.id: "Blue", size.id: "4"}) == [
        'Size changed from "3" to "4"', 'Color changed from "" to "Blue"']
    assert {v.field_id: v.value for v in req.field_values} == {size.id: "4", color.id: "Blue"}
    for bad in ({color.id: "Green"}, {size.id: ""}, {elsewhere.id: "x"}, {size.id: "four"}):
        with pytest.raises(ValidationFailed):
            editing.update_fields(req, agent, bad)
    editing.update_fields(req, agent, {color.id: ""})
    assert {v.field_id for v in req.field_values} == {size.id}


def test_pin_a_note_puts_it_first(people):
    agent, *_ = people
    req = factories.request()
    old = factories.note(req, "first reply")
    factories.note(req, "newer reply")
    editing.pin_note(req, agent, old.id)
    assert services.history(req, agent)[0].id == old.id
    other = factories.request(email="x@example.com")
    with pytest.raises(NotFound):
        editing.pin_note(other, agent, old.id)


def test_merge_moves_notes_files_tags_time_and_keeps_the_old_key(people):
    from portal.files import Upload
    from portal.requests import tags

    agent, other, *_ = people
    source = factories.request("Duplicate", uploads=[Upload("a.txt", b"hello", "text/plain")])
    target = factories.request("Original", email="kim@example.com")
    source.tags = tags.named(["printer"])
    timelog.add_time(source, agent, duration="1:30")
    subscriptions.subscribe(source, agent, other.id)
    old_id, old_key = source.id, source.access_key
    merging.merge(source, target, agent)
    db.session.commit()
    assert db.session.get(Request, old_id) is None
    bodies = {n.body: n for n in target.notes}
    assert bodies["Duplicate"].merged_from == old_id and bodies["Duplicate"].attachments[0].filename == "a.txt"
    assert [t.name for t in target.tags] == ["printer"]
    assert timelog.total_seconds(target.id) == 5400
    assert subscriptions.is_subscribed(target, other)
    with pytest.raises(Merged) as exc:
        services.find_by_access_key(old_key)
    assert exc.value.target_id == target.id
    assert services.survivor(old_id).id == target.id
    # merging the survivor again carries the older key along
    third = factories.request("Third", email="t@example.com")
    merging.merge(target, third, agent)
    assert db.session.get(RequestMerge, old_id).request_id == third.id
    with pytest.raises(ValidationFailed):
        merging.merge(third, third, agent)


def test_subscriptions(people):
    agent, other, _, moderator = people
    req = factories.request()
    subscriptions.subscribe(req, agent)
    subscriptions.subscribe(req, agent)  # twice: still one
    subscriptions.subscribe(req, agent, other.id)
    assert [s.id for s in subscriptions.subscribers(req.id)] == [agent.id, other.id]
    with pytest.raises(ValidationFailed):
        subscriptions.subscribe(req, agent, moderator.id)  # cannot handle requests
    assert subscriptions.unsubscribe(req, agent) and not subscriptions.unsubscribe(req, agent)
    assert db.session.scalar(db.select(db.func.count(RequestSubscription.id))) == 1


@pytest.mark.parametrize("text,seconds", [("2:30", 9000), ("2.5", 9000), ("0:05", 300), (".25", 900), ("3", 10800)])
def test_durations(text, seconds):
    assert timelog.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "0", "0:00", "2:75", "200:00", "-1"])
def test_bad_durations(text):
    with pytest.raises(ValidationFailed):
        timelog.parse_duration(text)


def test_time_events_totals_and_deleting(people):
    agent, other, admin, _ = people
    req = factories.request()
    mine = timelog.add_time(req, agent, duration="1:00", description="called back", billable=True)
    theirs = timelog.add_time(req, agent, duration="0:30", person=other, work_date=date(2020, 1, 2))
    assert timelog.total_seconds(req.id) == 5400
    assert [e.id for e in timelog.time_events(req)] == [theirs.id, mine.id]
    assert timelog.dashboard_totals(agent) == {"mine": 3600, "everyone": 3600}  # 2020 is outside the week
    with pytest.raises(Forbidden):
        timelog.delete_time(theirs.id, agent)  # other's time: only they or an administrator
    timelog.delete_time(theirs.id, admin)
    assert db.session.get(TimeEvent, theirs.id) is None
    with pytest.raises(NotFound):
        timelog.delete_time(theirs.id, admin)
    assert "Logged 1:00 for Sam Lee" in logs(req)


def test_canned_responses_shared_personal_placeholders_and_use(people):
    agent, other, admin, _ = people
    book = factories.book()
    page = factories.page(factories.chapter(book), name="Reset a password")
    shared = responses.create_response(agent, title="Reset", shared=True,
                                       body="Hi {customer_first_name}, see {kb:" + str(page.id)
                                            + "}. Your request: {access_link}")
    mine = responses.create_response(agent, title="Mine", body="Thanks, {staff_name}")
    assert [r.title for r in responses.list_responses(other)] == ["Reset"]
    with pytest.raises(NotFound):
        responses.get_response(other, mine.id)
    with pytest.raises(Forbidden):
        responses.update_response(other, shared.id, title="x", body="y")
    responses.update_response(admin, shared.id, title="Reset password", body=shared.body)
    req = factories.request(first_name="Kim")
    text = responses.use(other, shared.id, req)
    assert text.startswith("Hi Kim, see Reset a password: http") and f"/kb/pages/{page.id}" in text
    assert req.access_key in text
    responses.use(other, shared.id, req)
    assert [(r.id, n) for r, n in responses.most_used(other)] == [(shared.id, 2)]
    responses.delete_response(agent, mine.id)
    assert [r.title for r in responses.list_responses(agent)] == ["Reset password"]
    with pytest.raises(ValidationFailed):
        responses.create_response(agent, title="", body="")


def test_agents_limited_to_categories(people):
    agent, other, admin, _ = people
    billing, sales = factories.category("Billing"), factories.category("Sales")
    req = factories.request(category_id=sales.id)
    assert categories.may_see(agent, req)  # the default: every category
    categories.set_allowed(admin, agent, [billing.id])
    fresh = db.session.get(Staff, agent.id)
    assert not categories.may_see(fresh, req) and categories.may_see(admin, req)
    with pytest.raises(Forbidden):
        categories.set_allowed(agent, other, [billing.id])
    with pytest.raises(ValidationFailed):
        categories.set_allowed(admin, other, [999999])
