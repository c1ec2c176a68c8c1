"""Mails are written in the language of the page that caused them: a German customer's request gets a German
access-key mail (subject and body); mails caused by staff pages, the APIs or the worker are English."""
import pytest

from portal import settings
from portal.extensions import db
from tests.requests.test_views import form_data

GERMAN = {"Accept-Language": "de"}


@pytest.fixture
def app_config(mail_app_config):
    return mail_app_config


@pytest.fixture
def german_site(app):
    with app.app_context():
        settings.set_value("languages", "en,de")
        settings.set_value("public_api", True)
        db.session.commit()


def test_a_request_sent_from_the_german_form_is_answered_in_german(app, client, smtp_server, german_site):
    mailbox, _ = smtp_server
    assert client.post("/requests/new", data=form_data(app), headers=GERMAN).status_code == 302
    [message] = mailbox.messages
    assert message["Subject"].endswith("] Wir haben Ihre Anfrage erhalten")
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Hallo,\n\nwir haben eine mit dieser E-Mail-Adresse gesendete Anfrage erhalten")
    assert "Ihr Zugangsschlüssel: " in body and "Wenn Sie keine Anfrage gesendet haben" in body


def test_mails_caused_by_staff_or_an_api_are_english(app, german_site):
    from portal.i18n import mail_gettext, mail_locale

    for path in ("/api/index.php", "/api/v2/tickets", "/v1/articles", "/staff/requests/1"):
        with app.test_request_context(path, headers=GERMAN):
            assert mail_locale() == "en", path
            assert mail_gettext("[%(portal)s] We received your request", portal="P") == "[P] We received your request"
    with app.test_request_context("/requests/new", headers=GERMAN):
        assert mail_locale() == "de"
        assert mail_gettext("[%(portal)s] We received your request", portal="P") == "[P] Wir haben Ihre Anfrage erhalten"
    with app.app_context():  # the worker, a CLI command
        assert mail_locale() == "en"
