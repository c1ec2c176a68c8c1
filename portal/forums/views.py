"""Customer-facing forum pages: forums, topics (new topic form), posts (reply form) and RSS feeds."""
from datetime import UTC
from email.utils import format_datetime

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext

from .. import challenge, settings
from ..dates import utcnow
from ..deflection import events as deflection
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import csrf, db
from ..forms import SEND_AGAIN_MESSAGE, errors_by_field, sends_again
from ..pagecache import cached_page
from ..public import canonical_redirect, login_gate, visible
from ..urls import external_url, page_number
from . import forms, subscriptions
from . import services as forums

bp = Blueprint("forums", __name__, url_prefix="/forums")
FORUMS = ("forums",)  # what the cached pages show (portal.pagecache)
# Links in mails work without a login (a mail provider's one-click unsubscribe has none): their signed
# token is what grants them.
MAIL_LINKS = frozenset({"forums.confirm_subscription", "forums.unsubscribe"})


@bp.before_request
def _login_gate():
    return None if request.endpoint in MAIL_LINKS else login_gate()


def _page_number() -> int:
    return page_number(request.args.get("page"))


def _page_size() -> int:
    return settings.get("forum_page_size") or 40


@bp.get("")
@cached_page(FORUMS)
def index():
    listed = forums.public_forums()
    return render_template("forums/index.html", forums=listed, activity=forums.forum_activity(listed))


@bp.route("/<int:forum_id>", methods=["GET", "POST"])
@bp.route("/<int:forum_id>-<slug>", methods=["GET", "POST"])
@cached_page(FORUMS, args={"page": page_number})
def forum(forum_id, slug=None):
    forum = visible(forums.get_forum, forum_id)
    if request.method == "POST":
        return _new_topic(forum)
    if moved := canonical_redirect("forums.forum", slug, forum.slug, forum_id=forum.id):
        return moved
    return _forum_page(forum)


@sends_again("forums.forum")  # a new topic posted without its token (no JavaScript): the form again
def _new_topic_again(forum_id, slug=None):
    return _forum_page(visible(forums.get_forum, forum_id), request.form, {"form": [str(SEND_AGAIN_MESSAGE)]}, 400)


def _forum_page(forum, values=None, errors=None, status=200):
    """The forum's page with its new-topic form: blank (``values`` None), or as typed with ``errors``."""
    topics = db.paginate(forums.topics_query(forum), page=_page_number(), per_page=_page_size(), error_out=False)
    if topics.page > 1 and not topics.items:
        abort(404, gettext("There is no such page of topics."))
    return render_template("forums/forum.html", forum=forum, topics=topics, feeds=settings.get("forum_feeds"),
                           **_form(values, errors)), status


def _form(values, errors) -> dict:
    """The post form's template values; ``blank_form`` lets it reuse its blank fields (forums/_post_form.html)."""
    return {"values": forms.blank_form() if values is None else values, "errors": errors or {},
            "blank_form": values is None and not errors}


def _new_topic(forum):
    if not forms.is_human():
        return _forum_page(forum, request.form, {"form": [str(forms.BOT_MESSAGE)]}, 400)
    try:
        challenge.check(request.form)
        topic, post = forums.create_topic(forum, forms.post_input(with_title=True))
        deflection.submitted(request.form.get("deflection_visit"), "topic", forum.id)
    except ValidationFailed as exc:
        return _forum_page(forum, request.form, errors_by_field(exc), 400)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("forums.forum", forum_id=forum.id, slug=forum.slug), 303)
    if post.spam:
        flash(str(forms.HELD_MESSAGE), "warning")
        return redirect(url_for("forums.forum", forum_id=forum.id, slug=forum.slug), 303)
    flash(gettext("Your topic has been posted."), "success")
    return redirect(url_for("forums.topic", topic_id=topic.id, slug=topic.slug), 303)


@bp.route("/topics/<int:topic_id>", methods=["GET", "POST"])
@bp.route("/topics/<int:topic_id>-<slug>", methods=["GET", "POST"])
@cached_page(FORUMS, args={"page": page_number})
def topic(topic_id, slug=None):
    if request.method == "POST":
        return _reply(visible(forums.get_topic, topic_id))
    topic = visible(forums.read_topic, topic_id)
    if moved := canonical_redirect("forums.topic", slug, topic.slug, topic_id=topic.id):
        return moved
    return _topic_page(topic)


@sends_again("forums.topic")  # a reply posted without its token: the form again, with what was typed
def _reply_again(topic_id, slug=None):
    return _topic_page(visible(forums.read_topic, topic_id), request.form, {"form": [str(SEND_AGAIN_MESSAGE)]}, 400)


def _topic_page(topic: forums.TopicHead, values=None, errors=None, status=200):
    """The topic's page with its reply form: blank (``values`` None), or as typed with ``errors``."""
    # At most 100 posts a page, as db.paginate allowed (its max_per_page).
    posts = forums.topic_posts(topic.id, _page_number(), min(_page_size(), 100))
    if posts.page > 1 and not posts.items:
        abort(404, gettext("There is no such page of posts."))
    return render_template("forums/topic.html", topic=topic, forum=topic.forum, posts=posts, closed=topic.closed,
                           **_form(values, errors)), status


def _reply(topic):
    if not forms.is_human():
        return _topic_page(visible(forums.read_topic, topic.id), request.form, {"form": [str(forms.BOT_MESSAGE)]}, 400)
    try:
        challenge.check(request.form)
        post = forums.create_post(topic, forms.post_input(with_title=False))
    except ValidationFailed as exc:
        return _topic_page(visible(forums.read_topic, topic.id), request.form, errors_by_field(exc), 400)
    except Conflict as exc:
        flash(gettext("%(reason)s: no more replies are accepted.", reason=exc.message), "error")
        return redirect(url_for("forums.topic", topic_id=topic.id, slug=topic.slug), 303)
    if post.spam:
        flash(str(forms.HELD_MESSAGE), "warning")
        return redirect(url_for("forums.topic", topic_id=topic.id, slug=topic.slug), 303)
    flash(gettext("Your reply has been posted."), "success")
    last_page = max(1, -(-topic.post_count // _page_size()))
    return redirect(url_for("forums.topic", topic_id=topic.id, slug=topic.slug,
                            **({"page": last_page} if last_page > 1 else {}), _anchor=f"post-{post.id}"), 303)


@bp.route("/subscriptions/<token>/confirm", methods=["GET", "POST"])
def confirm_subscription(token):
    """The link of a confirmation mail: a page with a button, so a mail scanner opening it confirms nothing."""
    if request.method == "GET":
        return render_template("forums/confirm_subscription.html",
                               subscription=subscriptions.subscription_to_confirm(token))
    subscription = subscriptions.confirm(token)
    topic = subscription.topic
    flash(gettext("Done: %(email)s will get an email when someone replies to this topic.",
                  email=subscription.email), "success")
    return redirect(url_for("forums.topic", topic_id=topic.id, slug=topic.slug), 303)


@bp.route("/subscriptions/<token>/stop", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail provider POSTs "List-Unsubscribe=One-Click" without a cookie
def unsubscribe(token):
    """The unsubscribe link of a reply mail: a page with a button, and the target of the one-click POST."""
    topic, email = subscriptions.address_to_stop(token)
    if request.method == "POST":
        subscriptions.unsubscribe(token)
    return render_template("forums/unsubscribe.html", topic=topic, email=email, done=request.method == "POST")


def rfc_date(value) -> str:
    return format_datetime(value.replace(tzinfo=UTC), usegmt=True)


@bp.get("/<int:forum_id>/feed.xml")
def feed(forum_id):
    """RSS 2.0: the forum's newest topics. A private forum, or feeds turned off, is a 404."""
    if not settings.get("forum_feeds"):
        raise NotFound(gettext("Forum feeds are turned off."))
    forum = visible(forums.get_forum, forum_id)
    if forum.private:  # staff see private forums on the site, but a feed URL is meant to be shared
        abort(404)
    items = [{"title": topic.title, "link": external_url("forums.topic", topic_id=topic.id, slug=topic.slug),
              "description": first.body, "author": topic.starter_name, "date": rfc_date(topic.posted_at)}
             for topic, first in forums.feed_topics(forum, settings.get("forum_feed_size") or 10)]
    body = render_template("forums/feed.xml", forum=forum, items=items, now=rfc_date(utcnow()),
                           link=external_url("forums.forum", forum_id=forum.id, slug=forum.slug),
                           self_link=external_url("forums.feed", forum_id=forum.id))
    response = make_response(body)
    response.headers["Content-Type"] = "application/rss+xml; charset=utf-8"
    return response
