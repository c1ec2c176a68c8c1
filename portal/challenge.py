"""A proof-of-work check on the anonymous forms, for when the honeypot and the form timer are not enough.

ALTCHA's scheme, served by Portico itself (no third party, no cookie): the server picks a random salt and a
secret number up to the difficulty, and sends the SHA-256 of salt + number (the challenge) with an HMAC of
it under the app's secret. The salt carries the expiry (the form's lifetime, ``form_max_age``) and the
range; both are bound by the hash, so neither can be changed. The browser (static/js/challenge.js) tries
numbers from 0 until the hash matches and posts the number. The server checks the signature, the expiry and
the hash, then spends the challenge: each is accepted once (table ``spent_challenge``, rows kept until the
challenge would have expired anyway).

A person's browser spends a fraction of a second once per form; a bot sending thousands of forms pays for
each. Off by default (setting ``proof_of_work``, difficulty ``proof_of_work_difficulty``): when on, the
forms need JavaScript and say so. Logged-in visitors are never asked. Every anonymous form's view calls
:func:`check`.
"""
import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as N_
from sqlalchemy import DateTime, String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from . import pagecache, settings
from .auth import current_customer, current_staff
from .dates import from_unix
from .errors import ValidationFailed
from .extensions import Model, db

FIELD, ANSWER_FIELD = "challenge", "challenge_number"
clock = time.time  # replaced in tests to let time pass

NEEDS_SCRIPT = N_("This form needs JavaScript: your browser solves a small puzzle that shows a person is sending "
                "it. Please turn JavaScript on for this site, then send the form again.")
EXPIRED = N_("The check that a person is sending this form has expired: the page was open a long time. Please "
           "send the form again.")
NOT_PASSED = N_("We could not check that a person sent this form (the check may have been used already). Please "
              "send the form again.")

_TOKEN = re.compile(r"^([0-9a-f]{24})\.(\d{1,12})\.(\d{1,9}):([0-9a-f]{64}):([0-9a-f]{64})$")
_NUMBER = re.compile(r"^\d{1,9}$")


class SpentChallenge(Model):
    """A challenge already accepted once, kept until it would have expired."""

    __tablename__ = "spent_challenge"

    challenge: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


def required() -> bool:
    """Whether this visitor's forms carry the check: the setting is on and nobody is logged in."""
    return bool(settings.get("proof_of_work")) and current_customer() is None and current_staff() is None


def _signature(challenge: str) -> str:
    # A key of its own, derived from SECRET_KEY, so this HMAC never signs what another use of the key signs.
    key = hashlib.sha256(b"portico-challenge\0" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(key, challenge.encode(), hashlib.sha256).hexdigest()


def _hash(salt: str, number: int | str) -> str:
    return hashlib.sha256(f"{salt}{number}".encode()).hexdigest()


def issue(now: float | None = None) -> str:
    """A new challenge for one form: ``salt:challenge:signature``, the salt being ``nonce.expires.max``."""
    max_number = max(1, settings.get("proof_of_work_difficulty"))
    expires = int(now if now is not None else clock()) + settings.get("form_max_age")
    salt = f"{secrets.token_hex(12)}.{expires}.{max_number}"
    challenge = _hash(salt, secrets.randbelow(max_number + 1))
    return f"{salt}:{challenge}:{_signature(challenge)}"


def check(form) -> None:
    """The anonymous form's proof of work, when one is required. Spends it (flushes, the caller commits).

    Raises ValidationFailed on the ``challenge`` field: no answer (no JavaScript), expired, or not passed
    (forged, altered, wrong number, or used before)."""
    if not required():
        return
    token, answer = (form.get(FIELD) or "").strip(), (form.get(ANSWER_FIELD) or "").strip()
    if not answer:
        raise ValidationFailed((FIELD, str(NEEDS_SCRIPT)))
    match = _TOKEN.match(token)
    if match is None or not _NUMBER.match(answer):
        raise ValidationFailed((FIELD, str(NOT_PASSED)))
    nonce, expires, max_number, challenge, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(challenge)):
        raise ValidationFailed((FIELD, str(NOT_PASSED)))
    if int(expires) < clock():
        raise ValidationFailed((FIELD, str(EXPIRED)))
    if not hmac.compare_digest(_hash(f"{nonce}.{expires}.{max_number}", int(answer)), challenge):
        raise ValidationFailed((FIELD, str(NOT_PASSED)))
    if not _spend(challenge, int(expires)):
        raise ValidationFailed((FIELD, str(NOT_PASSED)))


def _spend(challenge: str, expires: int) -> bool:
    """Record the challenge as used; False when it was used before (also by a concurrent request)."""
    db.session.execute(delete(SpentChallenge).where(SpentChallenge.expires_at < from_unix(clock())))
    if db.session.get(SpentChallenge, challenge) is not None:
        return False
    try:
        with db.session.begin_nested():  # a savepoint: losing the race must not undo the rest of the request
            db.session.add(SpentChallenge(challenge=challenge, expires_at=from_unix(expires)))
    except IntegrityError:  # the same answer, sent twice at once: the other request spent it first
        return False
    return True


def init_app(app) -> None:
    # The challenge differs per reply: a page kept by the page cache gets a fresh one each time it is served.
    app.jinja_env.globals.update(challenge_required=required,
                                 challenge_token=pagecache.volatile("pagecache-challenge-7be35c", issue))
