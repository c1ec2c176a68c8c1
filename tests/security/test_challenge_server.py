"""The proof-of-work check on the anonymous forms, server side.

The server issues salt:challenge:signature (challenge = SHA-256(salt + secret number), signature = HMAC of it,
the expiry and range inside the salt); a solution is accepted once, before it expires, when the signature
and the hash hold. Off by default; logged-in visitors are never asked. The whole flow in a real browser is in
tests/browser/test_challenge.py."""
import hashlib
import re
import time

import pytest

from portal import challenge, settings
from portal.errors import ValidationFailed
from portal.extensions import db
from tests.portal_helpers import add_login_route, form_field
from tests.requests.test_views import human

DIFFICULTY = 2000
TOKEN_FIELD = re.compile(r'name="challenge" value="([^"]+)"')


def solve(token: str) -> str:
    """What the browser's script does: try numbers from 0 until the hash matches."""
    salt, target, _ = token.split(":")
    for number in range(int(salt.rsplit(".", 1)[1]) + 1):
        if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() == target:
            return str(number)
    raise AssertionError("no solution in range")


def switch_on(app, difficulty: int = DIFFICULTY) -> None:
    with app.app_context():
        settings.set_value("proof_of_work", True)
        settings.set_value("proof_of_work_difficulty", difficulty)
        db.session.commit()


@pytest.fixture
def on(app):
    switch_on(app)
    return app


@pytest.fixture
def later(monkeypatch):
    start = time.time()

    def move(seconds: float):
        monkeypatch.setattr(challenge, "clock", lambda: start + seconds)
    return move


def form_of(client, url: str) -> dict:
    """The challenge a page's form carries, solved as the browser would."""
    token = form_field(client, client.get(url).get_data(as_text=True), "challenge")
    return {"challenge": token, "challenge_number": solve(token)}


def passes(app, form: dict) -> bool:
    with app.test_request_context():
        try:
            challenge.check(form)
        except ValidationFailed as exc:
            assert exc.errors[0][0] == "challenge"
            db.session.rollback()
            return False
        db.session.commit()
        return True


def issued(app, now: float | None = None) -> str:
    with app.test_request_context():
        return challenge.issue(now)


# --- the check itself ---------------------------------------------------------------------------------

def test_off_by_default_and_never_asked_then(app):
    with app.test_request_context():
        assert settings.get("proof_of_work") is False and not challenge.required()
    assert passes(app, {})


def test_a_solved_challenge_passes_once(on):
    token = issued(on)
    assert re.fullmatch(r"[0-9a-f]{24}\.\d+\.2000:[0-9a-f]{64}:[0-9a-f]{64}", token)
    form = {"challenge": token, "challenge_number": solve(token)}
    assert passes(on, form)
    assert not passes(on, form)  # replayed
    assert passes(on, {"challenge": (second := issued(on)), "challenge_number": solve(second)})


def test_no_answer_says_the_form_needs_javascript(on):
    with on.test_request_context():
        with pytest.raises(ValidationFailed, match="needs JavaScript"):
            challenge.check({"challenge": issued(on), "challenge_number": ""})


def test_a_wrong_number_fails(on):
    token = issued(on)
    right = int(solve(token))
    for wrong in (right + 1, right - 1 if right else 2001, 10**9 - 1):
        assert not passes(on, {"challenge": token, "challenge_number": str(wrong)})
    for junk in ("-1", "1e3", " 12x", "١٢", "9" * 10, str(right) + "0" * 12):
        assert not passes(on, {"challenge": token, "challenge_number": junk})
    assert passes(on, {"challenge": token, "challenge_number": str(right)})  # none of the above spent it


def test_a_forged_challenge_fails(on):
    token = issued(on)
    salt, target, signature = token.split(":")
    # A challenge of the attacker's own making (an easy number), signed with a guess, or with another key.
    easy_salt = salt.rsplit(".", 1)[0] + ".1"
    easy = hashlib.sha256(f"{easy_salt}0".encode()).hexdigest()
    for forged in (f"{easy_salt}:{easy}:{signature}", f"{easy_salt}:{easy}:{'0' * 64}",
                   f"{salt}:{target}:{signature[:-1]}{'0' if signature[-1] != '0' else '1'}"):
        assert not passes(on, {"challenge": forged, "challenge_number": "0"})
        assert not passes(on, {"challenge": forged, "challenge_number": solve(token)})
    other_key = on.config["SECRET_KEY"]
    on.config["SECRET_KEY"] = "another-secret"
    stranger = issued(on)
    on.config["SECRET_KEY"] = other_key
    assert not passes(on, {"challenge": stranger, "challenge_number": solve(stranger)})


def test_a_changed_expiry_or_range_breaks_the_hash(on, later):
    token = issued(on)
    salt, target, signature = token.split(":")
    nonce, expires, top = salt.split(".")
    for salt2 in (f"{nonce}.{int(expires) + 86400}.{top}", f"{nonce}.{expires}.1"):
        assert not passes(on, {"challenge": f"{salt2}:{target}:{signature}", "challenge_number": solve(token)})


def test_an_expired_challenge_fails_with_its_own_reason(on, later):
    token = issued(on)  # valid for form_max_age (1200 s)
    form = {"challenge": token, "challenge_number": solve(token)}
    later(1300)
    with on.test_request_context():
        with pytest.raises(ValidationFailed, match="expired"):
            challenge.check(form)
    later(600)
    assert passes(on, form)


def test_spent_challenges_are_forgotten_once_expired(on, later):
    for _ in range(3):
        token = issued(on)
        assert passes(on, {"challenge": token, "challenge_number": solve(token)})
    later(1300)
    token = issued(on, time.time() + 1300)
    assert passes(on, {"challenge": token, "challenge_number": solve(token)})
    with on.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(challenge.SpentChallenge)) == 1


def test_the_same_answer_sent_twice_at_once_passes_once(on, monkeypatch):
    # Two requests that both checked the table before either recorded the challenge: the second one's
    # insert meets the first one's row (the primary key) and is refused, not a 500.
    token = issued(on)
    form = {"challenge": token, "challenge_number": solve(token)}
    with on.test_request_context():
        original = challenge.SpentChallenge
        db.session.add(original(challenge=token.split(":")[1], expires_at=challenge.from_unix(time.time() + 60)))
        db.session.commit()
        monkeypatch.setattr(db.session, "get", lambda *args, **kwargs: None)  # blind, as the other request was
        with pytest.raises(ValidationFailed):
            challenge.check(form)


# --- the five anonymous forms ---------------------------------------------------------------------------

@pytest.fixture
def places(app):
    """One of each anonymous form: its page, a valid post (bot guard included), and how to count what it made."""
    from portal.accounts.models import Customer
    from portal.forums.models import Forum, Post, Topic
    from portal.requests.models import Request

    with app.app_context():
        forum = Forum(name="General")
        db.session.add(forum)
        db.session.flush()
        from portal.forums.services import PostInput, create_topic
        topic, _ = create_topic(forum, PostInput(title="Printing", body="How?", name="Kim"))
        db.session.commit()
        forum_url, topic_url = f"/forums/{forum.id}-{forum.slug}", f"/forums/topics/{topic.id}-{topic.slug}"

    def count(model):
        def counter():
            with app.app_context():
                return db.session.scalar(db.select(db.func.count()).select_from(model))
        return counter

    return {
        "request form": ("/requests/new", dict(first_name="Ana", email="ana@example.org", note="Help", **human(app)),
                         count(Request)),
        "new topic": (forum_url, dict(title="Scanning", body="And scanning?", name="Lee", **human(app)),
                      count(Topic)),
        "reply": (topic_url, dict(body="Me too", name="Lee", **human(app)), count(Post)),
        "register": ("/account/register", dict(email="new@example.org", password="long enough pw",
                                               confirm="long enough pw", **human(app)), count(Customer)),
        "forgot": ("/account/forgot", dict(email="new@example.org"), None),
    }


NAMES = ["request form", "new topic", "reply", "register", "forgot"]


@pytest.mark.parametrize("name", NAMES)
def test_each_anonymous_form_works_without_the_check_when_it_is_off(app, client, places, name):
    url, data, count = places[name]
    html = client.get(url).get_data(as_text=True)
    assert 'name="challenge"' not in html and "challenge.js" not in html
    response = client.post(url, data=data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("name", NAMES)
def test_each_anonymous_form_carries_the_check_and_refuses_a_post_without_it(app, client, places, name):
    url, data, count = places[name]
    switch_on(app)
    html = client.get(url).get_data(as_text=True)
    assert 'name="challenge"' in html and 'name="challenge_number"' in html
    assert "<noscript>" in html and "needs JavaScript" in html  # explained to visitors without scripts
    assert "/static/js/challenge.js" in html and "<script>" not in html  # static script only (CSP)
    before = count() if count else None
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "This form needs JavaScript" in response.get_data(as_text=True)
    if count:
        assert count() == before
    forged = dict(data, challenge=form_field(client, html, "challenge"), challenge_number="0")
    forged["challenge_number"] = str(int(solve(forged["challenge"])) + 1)
    if "form_token" in data:  # form tokens work once (tests/security/test_mail_form_tokens.py): a fresh one
        forged.update(human(app))
    response = client.post(url, data=forged)
    assert response.status_code == 400 and "could not check that a person sent this form" in response.get_data(
        as_text=True)
    if count:
        assert count() == before


@pytest.mark.parametrize("name", NAMES)
def test_each_anonymous_form_passes_with_a_solved_check_once(app, client, places, name):
    url, data, count = places[name]
    switch_on(app)
    solved = dict(data, **form_of(client, url))
    before = count() if count else None
    assert client.post(url, data=solved).status_code in (302, 303)
    if count:
        assert count() == before + 1
    client.post("/account/logout")  # register logs the new customer in; the replay comes from a visitor
    replay = client.post(url, data=dict(solved, **(human(app) if "form_token" in data else {})))  # only the check reused
    assert replay.status_code == 400 and "could not check" in replay.get_data(as_text=True)
    if count:
        assert count() == before + 1


def test_a_cached_form_page_gets_a_new_challenge_for_every_visitor(app, places):
    switch_on(app)
    url = places["new topic"][0]
    visitors = [app.test_client() for _ in range(3)]
    tokens = {form_field(visitor, visitor.get(url).get_data(as_text=True), "challenge") for visitor in visitors}
    assert len(tokens) == 3


def test_a_logged_in_customer_is_not_asked(app, client, places):
    from portal.accounts.services import ensure_customer

    add_login_route(app)
    switch_on(app)
    with app.app_context():
        customer = ensure_customer("ana@example.org")
        db.session.commit()
        customer_id = customer.id
    client.get(f"/_test/login/customer/{customer_id}")
    url, data, count = places["request form"]
    assert 'name="challenge"' not in client.get(url).get_data(as_text=True)
    assert client.post(url, data=data).status_code == 302
