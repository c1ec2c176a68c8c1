"""The staff side in German: a staff member with a German browser works in German (queue, request page,
flash messages, errors beside fields); a language chosen on the profile page wins over the browser's; the
notification mails a staff member receives are in their language, else the site's default."""
import pytest

from portal import settings
from portal.accounts.models import Staff
from portal.extensions import db
from portal.notifications import services as notifications
from portal.requests import services
from tests import factories

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


@pytest.fixture
def agent(app):
    with app.app_context():
        person = factories.staff("agent@example.com", role="agent", first_name="Sam")
        db.session.commit()
        return person.id


@pytest.fixture
def german_agent(client, agent):
    """The test client, logged in as an agent whose browser asks for German."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = GERMAN["Accept-Language"]
    assert client.post("/staff/login", data={"email": "agent@example.com",
                                             "password": factories.PASSWORD}).status_code == 302
    return client


@pytest.fixture
def request_id(app):
    with app.app_context():
        req = factories.request("Mein Drucker brennt", "kunde@example.com", title="Drucker")
        db.session.commit()
        return req.id


def test_the_queue_is_german_for_a_german_browser(german_agent, request_id):
    page = german_agent.get("/staff/requests?view=all").get_data(as_text=True)
    assert '<html lang="de"' in page
    for text in ("<h1>Anfragen</h1>", "Neue Anfrage für einen Kunden", "Textbausteine", ">Kunde<", ">Betreff<",
                 ">Zugewiesen<", ">Filtern<", "Diese Ansicht speichern als", "1 Anfrage</p>"):
        assert text in page, text
    for english in (">Requests<", ">Customer<", ">Subject<", "Save this view as", " request</p>"):
        assert english not in page, english


def test_the_request_page_is_german(german_agent, request_id):
    page = german_agent.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    for text in (f"Anfrage {request_id}: Drucker", ">Antworten<", "Art der Notiz",
                 "Interne Notiz (nur Mitarbeiter)", "Notiz hinzufügen", ">Verlauf<", ">Aktionen<",
                 "Änderungen speichern", "Zusammenführen"):
        assert text in page, text
    for english in ("Kind of note", "Add note", "Save changes", "Private note (staff only)"):
        assert english not in page, english


def test_flash_messages_and_confirmations_are_german(german_agent, request_id):
    answer = german_agent.post(f"/staff/requests/{request_id}/notes",
                               data={"visibility": "private", "body": "Intern: Feuerwehr rufen"},
                               follow_redirects=True)
    assert "Interne Notiz hinzugefügt." in answer.get_data(as_text=True)
    confirm = german_agent.post(f"/staff/requests/{request_id}/trash").get_data(as_text=True)
    assert f"Anfrage {request_id} in den Papierkorb verschieben" in confirm
    assert "Ja, ich bin sicher" in confirm and ">In den Papierkorb<" in confirm


def test_a_language_chosen_on_the_profile_wins_over_the_browser(app, german_agent, agent):
    assert "Sprache" in german_agent.get("/staff/profile").get_data(as_text=True)
    answer = german_agent.post("/staff/profile/language", data={"language": "en"}, follow_redirects=True)
    assert "Your language is saved." in answer.get_data(as_text=True)
    assert "<h1>Requests</h1>" in german_agent.get("/staff/requests").get_data(as_text=True)
    german_agent.post("/staff/profile/language", data={"language": ""})  # back to the browser's
    assert "<h1>Anfragen</h1>" in german_agent.get("/staff/requests").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Staff, agent).language is None


def test_an_unknown_language_is_refused_and_nothing_is_written(app, german_agent, agent):
    answer = german_agent.post("/staff/profile/language", data={"language": "xx"}, follow_redirects=True)
    assert answer.status_code == 200
    assert "Wählen Sie eine der aufgeführten Sprachen." in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Staff, agent).language is None


# -------------------------------------------------------------------------------------------- staff mails

@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


def _notify_assignment(app, person_id, site_languages):
    """A German customer's request assigned to ``person_id`` by the API (no staff page, no browser)."""
    with app.app_context():
        settings.set_value("languages", site_languages)
        db.session.commit()
    with app.test_request_context("/requests/new", headers=GERMAN):  # caused by a German customer's page
        req = factories.request("Mein Drucker brennt", "kunde@example.com", title="Drucker")
        notifications.assigned(req, db.session.get(Staff, person_id), None)
        db.session.commit()
        return req.id


def _to(mailbox, address):
    return [m for m in mailbox.messages if m["To"] == address]


def test_a_staff_member_with_a_language_gets_their_mail_in_it(app, smtp_server):
    mailbox, _ = smtp_server
    with app.app_context():
        person = factories.staff("dora@example.com", role="agent", first_name="Dora")
        person.language = "de"
        db.session.commit()
        person_id = person.id
    number = _notify_assignment(app, person_id, "en")
    [message] = _to(mailbox, "dora@example.com")
    assert message["Subject"] == f"[Portico Help Desk] Ihnen wurde eine Anfrage zugewiesen: #{number} Drucker"
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Ihnen wurde eine Anfrage zugewiesen.\n\n"), body
    assert f"Anfrage {number}: Drucker\nKunde: " in body and "Öffnen: http" in body
    assert "Diese E-Mails abbestellen: http" in body


def test_without_a_choice_the_site_default_language_is_used(app, smtp_server):
    mailbox, _ = smtp_server
    with app.app_context():
        person_id = factories.staff("erik@example.com", role="agent").id
        db.session.commit()
    _notify_assignment(app, person_id, "de,en")
    [message] = _to(mailbox, "erik@example.com")
    assert "Ihnen wurde eine Anfrage zugewiesen" in message["Subject"]


def test_an_english_site_mails_its_staff_in_english_whatever_the_customer_wrote_in(app, smtp_server):
    mailbox, _ = smtp_server
    with app.app_context():
        person_id = factories.staff("fred@example.com", role="agent").id
        db.session.commit()
    number = _notify_assignment(app, person_id, "en,de")
    [message] = _to(mailbox, "fred@example.com")
    assert message["Subject"] == f"[Portico Help Desk] A request was assigned to you: #{number} Drucker"
    body = message.get_content().replace("\r\n", "\n")
    assert f"Request {number}: Drucker\nCustomer: " in body  # (one line each: trim_blocks once joined them)


def test_the_customer_mail_of_the_same_request_stays_in_the_customers_language(app, smtp_server):
    """The staff member's language is theirs alone: the customer's acknowledgement is still German."""
    mailbox, _ = smtp_server
    with app.app_context():
        person = factories.staff("gina@example.com", role="agent")
        person.language = "en"
        settings.set_value("languages", "en,de")
        db.session.commit()
    with app.test_request_context("/requests/new", headers=GERMAN):
        services.create_request(services.RequestInput(note="Hallo", email="kunde@example.com"),
                                check_spam=False, notify_customer=True)
        db.session.commit()
    [message] = _to(mailbox, "kunde@example.com")
    assert message["Subject"].endswith("Wir haben Ihre Anfrage erhalten")
