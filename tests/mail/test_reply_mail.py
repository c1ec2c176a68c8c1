"""A public reply mails the customer its text and attachments (up to the size setting), the link and the
access key below; the Reply-To and the subject carry the request's signed token; every mail says it is
automatic."""
import pytest

from portal import settings
from portal.accounts.models import Staff
from portal.extensions import db
from portal.files import Upload
from portal.inbound import tokens
from portal.requests import services, workflow
from tests import factories


@pytest.fixture
def app_config(mail_app_config):
    return {**mail_app_config, "MAIL_REPLY_TO": "help@portal.test"}


def test_reply_mail_carries_text_files_and_a_token(app, smtp_server):
    mailbox, _ = smtp_server
    with app.test_request_context():
        settings.set_value("reply_attachments_max_kb", 1)
        agent = factories.staff("sam@example.com", first_name="Sam")
        req = factories.request(email="kim@example.com")
        db.session.commit()
        workflow.add_staff_note(req, agent, "Turn it off and on again.", public=True,
                                uploads=[Upload("steps.txt", b"1. off\n2. on\n"), Upload("big.log", b"x" * 2000)])
        db.session.commit()
        token, key = tokens.token(req), req.access_key
    [mail] = mailbox.messages
    assert mail["To"] == "kim@example.com" and mail["Auto-Submitted"] == "auto-generated"
    assert f"[#{token}]" in mail["Subject"]
    assert mail["Reply-To"] == f"help+r{token}@portal.test"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Turn it off and on again." in text and key in text and "/requests/link/" in text
    assert text.index("Turn it off") < text.index(key)  # the reply first, the link and key below it
    assert "big.log" in text  # left on the request page: too large for the 1 KB budget
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == "steps.txt" and attached.get_content() == "1. off\n2. on\n"


def test_private_notes_mail_nobody_and_the_auto_reply_says_auto_replied(app, smtp_server):
    mailbox, _ = smtp_server
    with app.test_request_context():
        services.create_request(services.RequestInput(note="Help", email="kim@example.com"))
        db.session.commit()
        req = db.session.scalars(db.select(services.Request)).one()
        workflow.add_staff_note(req, factories.staff(), "internal", public=False)
        db.session.commit()
    [auto_reply] = mailbox.messages
    assert auto_reply["Auto-Submitted"] == "auto-replied"


def test_a_token_opens_only_its_request(app):
    with app.test_request_context():
        one, two = factories.request(), factories.request()
        good = tokens.token(one)
        assert tokens.find_request([f"help+r{good}@portal.test"], "") is one
        assert tokens.find_request([], f"Re: your request [#{good}]") is one
        forged = f"{two.id}-{good.split('-')[1]}"  # another request's number with this one's signature
        assert tokens.find_request([f"help+r{forged}@portal.test"], f"[#{forged}]") is None
        assert tokens.find_request([], f"Re: Reply to your request {one.id}") is None  # the number alone


def test_the_staff_name_is_the_only_staff_detail(app, smtp_server):
    mailbox, _ = smtp_server
    with app.test_request_context():
        agent = factories.staff("sam@example.com", first_name="Sam")
        req = factories.request(email="kim@example.com")
        db.session.commit()
        workflow.add_staff_note(req, db.session.get(Staff, agent.id), "<p>Hello <b>Kim</b></p>", public=True,
                                is_html=True)
        db.session.commit()
    [mail] = mailbox.messages
    text = mail.get_content()
    assert "Hello Kim" in text and "<b>" not in text  # HTML replies go as their text


def test_every_mail_says_it_is_automatic(app, smtp_server):
    """Not only request mail: a forum subscription's confirmation too (mail.send adds it to every mail)."""
    from portal.forums.models import Forum
    from portal.forums.services import PostInput, create_topic

    mailbox, _ = smtp_server
    with app.test_request_context():
        forum = Forum(name="Q")
        db.session.add(forum)
        create_topic(forum, PostInput(title="Sync", name="Ann", body="Slow", email="ann@example.com",
                                      email_updates=True))
        db.session.commit()
    [confirmation] = mailbox.messages
    assert confirmation["Auto-Submitted"] == "auto-generated"


def test_a_merged_requests_token_leads_to_the_request_it_went_into(app):
    from portal.requests.models import RequestMerge

    with app.test_request_context():
        old, survivor = factories.request(), factories.request()
        token = tokens.token(old)
        db.session.add(RequestMerge(old_id=old.id, old_password=old.password, request_id=survivor.id))
        db.session.delete(old)
        db.session.flush()
        assert tokens.find_request([f"help+r{token}@portal.test"], "") is survivor
