"""Reply subscriptions to forum topics, confirmed by their address before any reply is mailed (double opt-in).

Anyone can type anyone's address into a forum form or the API's ``sEmail``, so asking for replies only
records a pending subscription and mails the address one fixed text with a signed link: nothing the poster
wrote. Only a confirmed address gets reply mails, and each carries its own signed unsubscribe link, also as
RFC 8058 ``List-Unsubscribe`` headers, so a mail program can unsubscribe in one click. Confirmation mails to
one address are limited: one pending per topic until its link expires, and ``CONFIRMATIONS_PER_DAY`` in all.

Reply mails do carry the new post's name and text: the subscriber asked for them by confirming, and a post
held as spam is never mailed.

Links are opened by mail scanners as well as by people, so opening one changes nothing: the page it shows has
a button that does (a POST). The one-click unsubscribe POST of RFC 8058 comes from the mail provider, without
a cookie: it is exempt from CSRF, the signed token being the only thing that grants it.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as N_
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from .. import mail, settings
from ..dates import utcnow
from ..errors import NotFound
from ..extensions import db
from ..i18n import mail_gettext
from ..urls import external_url
from .models import Post, Subscription, Topic

CONFIRM_WITHIN = timedelta(days=3)  # a confirmation link's lifetime; no second one for the topic before
CONFIRMATIONS_PER_DAY = 3           # confirmation mails to one address in 24 hours, all topics together
LINK_NOT_VALID = N_("This link is not valid, or it has expired.")


def _confirm_tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portico-subscription-confirm")


def _stop_tokens() -> URLSafeSerializer:
    # No expiry: the unsubscribe link of an old mail must still work.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="portico-subscription-stop")


def confirm_url(topic_id: int, email: str) -> str:
    return external_url("forums.confirm_subscription", token=_confirm_tokens().dumps([topic_id, email]))


def unsubscribe_url(topic_id: int, email: str) -> str:
    return external_url("forums.unsubscribe", token=_stop_tokens().dumps([topic_id, email]))


def _find(topic_id: int, email: str) -> Subscription | None:
    return db.session.execute(db.select(Subscription).where(Subscription.topic_id == topic_id,
                                                            Subscription.email == email)).scalar_one_or_none()


def ask(topic: Topic, email: str) -> bool:
    """Record that an address asked for this topic's replies and mail it a confirmation link, unless it is
    confirmed already, its link is still pending, or the address had its share of confirmations today.
    Returns whether a confirmation mail was queued."""
    if not email:
        return False
    now = utcnow()
    subscription = _find(topic.id, email)
    if subscription is not None and (subscription.confirmed_at or subscription.asked_at > now - CONFIRM_WITHIN):
        return False
    asked_today = db.session.scalar(db.select(db.func.count(Subscription.id)).where(
        Subscription.email == email, Subscription.asked_at > now - timedelta(days=1)))
    if asked_today >= CONFIRMATIONS_PER_DAY:
        return False
    if subscription is None:
        try:
            with db.session.begin_nested():  # the same address asking twice at once: one row, one mail
                db.session.add(Subscription(topic_id=topic.id, email=email, asked_at=now))
        except IntegrityError:
            return False
    else:
        subscription.asked_at = now
        db.session.flush()
    # A fixed text: no topic title, name or message, all of which a stranger may have written.
    mail.send_after_commit(email, mail_gettext("[%(portal)s] Please confirm: replies by email",
                                              portal=settings.get("portal_name")),
                           "forum_subscription_confirm", link=confirm_url(topic.id, email),
                           days=CONFIRM_WITHIN.days)
    return True


def _subscription(token: str, tokens, **limits) -> tuple[int, str]:
    try:
        topic_id, email = tokens.loads(token, **limits)
    except (BadData, TypeError, ValueError):
        raise NotFound(str(LINK_NOT_VALID)) from None
    if not isinstance(topic_id, int) or not isinstance(email, str):
        raise NotFound(str(LINK_NOT_VALID))
    return topic_id, email


def subscription_to_confirm(token: str) -> Subscription:
    """The subscription a confirmation link names. Raises NotFound for a forged or expired link, or a
    subscription that is gone (its topic was deleted)."""
    topic_id, email = _subscription(token, _confirm_tokens(), max_age=int(CONFIRM_WITHIN.total_seconds()))
    subscription = _find(topic_id, email)
    if subscription is None:
        raise NotFound(str(LINK_NOT_VALID))
    return subscription


def confirm(token: str) -> Subscription:
    """Start mailing replies to the address of a confirmation link. Raises NotFound (see above)."""
    subscription = subscription_to_confirm(token)
    if subscription.confirmed_at is None:
        subscription.confirmed_at = utcnow()
        db.session.flush()
    return subscription


def address_to_stop(token: str) -> tuple[Topic | None, str]:
    """(topic, or None when it was deleted; address) of an unsubscribe link. Raises NotFound for a forged one."""
    topic_id, email = _subscription(token, _stop_tokens())
    return db.session.get(Topic, topic_id), email


def unsubscribe(token: str) -> None:
    """Stop mailing replies to the address of an unsubscribe link (done already is fine). Raises NotFound."""
    subscription = _find(*_subscription(token, _stop_tokens()))
    if subscription is not None and subscription.confirmed_at is not None:
        subscription.confirmed_at = None
        db.session.flush()


def notify_subscribers(topic: Topic, post: Post) -> None:
    """After commit, email each confirmed subscriber the new post (never its author), each with a link and
    ``List-Unsubscribe`` headers of their own."""
    addresses = db.session.execute(db.select(Subscription.email).where(
        Subscription.topic_id == topic.id, Subscription.confirmed_at.is_not(None))).scalars()
    link = external_url("forums.topic", topic_id=topic.id, slug=topic.slug)
    for address in addresses:
        if address == post.email:
            continue
        stop = unsubscribe_url(topic.id, address)
        mail.send_after_commit(address, f"Re: {topic.title}", "forum_reply", topic=topic.title, poster=post.name,
                               message=post.body, link=link, unsubscribe=stop,
                               headers={"List-Unsubscribe": f"<{stop}>",
                                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
