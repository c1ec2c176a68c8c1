"""Forum moderation: forums, topics, posts, the spam queue, known users, newest topics and posts.
Needs the ``forums`` right."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from ..accounts.models import Staff
from ..auth import current_staff, safe_next, staff_required
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..forms import errors_by_field
from ..forums import moderation
from ..forums.models import DEFAULT_KNOWN_USER_LABELS, Forum, KnownUser, Post, Topic
from ..forums.services import known_labels
from ..search.query import search_forums
from ..unit_of_work import abandon
from ..urls import database_id
from .common import checked, confirm_page, confirmed, int_or_none
from .views import bp


def _forums():
    return list(db.session.execute(db.select(Forum).order_by(Forum.position, Forum.name)).scalars())


def _forum_form(forum=None, errors=None, status=200):
    people = db.session.execute(db.select(Staff).where(Staff.active.is_(True)).order_by(Staff.first_name))
    topics = []
    if forum is not None:
        newest_first = (Topic.sticky.desc(), Topic.last_post_at.desc())
        topics = list(db.session.execute(db.select(Topic).where(Topic.forum_id == forum.id)
                                         .order_by(*newest_first).limit(200)).scalars())
    return render_template("staff/forums/forum.html", forum=forum, topics=topics, people=list(people.scalars()),
                           errors=errors or {}), status


@bp.get("/forums")
@staff_required("forums")
def forums():
    q = request.args.get("q", "").strip()[:200]
    results = search_forums(q, staff=current_staff(), page=int_or_none(request.args.get("page")) or 1) if q else None
    return render_template("staff/forums/forums.html", forums=_forums(), q=q, results=results)


@bp.route("/forums/new", methods=["GET", "POST"])
@bp.route("/forums/<int:forum_id>", methods=["GET", "POST"])
@staff_required("forums")
def forum_edit(forum_id=None):
    forum = moderation.get(Forum, forum_id) if forum_id else None
    if request.method == "GET":
        return _forum_form(forum)
    data = moderation.ForumInput(
        name=request.form.get("name", ""), description=request.form.get("description", ""),
        private=checked("private"), closed=checked("closed"), position=int_or_none(request.form.get("position")) or 0,
        moderator_ids=[number for raw in request.form.getlist("moderators") if (number := database_id(raw))])
    try:
        forum = moderation.save_forum(current_staff(), data, forum)
    except ValidationFailed as exc:
        abandon()
        return _forum_form(moderation.get(Forum, forum_id) if forum_id else None, errors_by_field(exc), 400)
    flash(gettext("Forum %(forum)s saved.", forum=forum.name), "success")
    return redirect(url_for("staff.forum_edit", forum_id=forum.id))


@bp.get("/forums/topics/<int:topic_id>")
@staff_required("forums")
def topic(topic_id):
    item = moderation.get(Topic, topic_id)
    posts = list(db.session.execute(db.select(Post).where(Post.topic_id == item.id)
                                    .order_by(Post.id)).scalars())
    return render_template("staff/forums/topic.html", topic=item, posts=posts, labels=known_labels(posts),
                           forums=_forums(), can_request=current_staff().can("requests"))


@bp.post("/forums/topics/<int:topic_id>/state")
@staff_required("forums")
def topic_state(topic_id):
    item = moderation.get(Topic, topic_id)
    change = {"close": {"closed": True}, "reopen": {"closed": False}, "stick": {"sticky": True},
              "unstick": {"sticky": False}}.get(request.form.get("action"), {})
    moderation.set_topic_state(current_staff(), item, **change)
    flash(gettext("Topic updated.") if change else gettext("Nothing changed."), "success" if change else "info")
    return redirect(url_for("staff.topic", topic_id=item.id))


@bp.post("/forums/topics/<int:topic_id>/move")
@staff_required("forums")
def topic_move(topic_id):
    item = moderation.get(Topic, topic_id)
    moderation.move_topic(current_staff(), item, moderation.get(Forum, int_or_none(request.form.get("forum")) or 0))
    flash(gettext("Topic moved to %(forum)s.", forum=item.forum.name), "success")
    return redirect(url_for("staff.topic", topic_id=item.id))


@bp.post("/forums/topics/<int:topic_id>/delete")
@staff_required("forums")
def topic_delete(topic_id):
    item = moderation.get(Topic, topic_id)
    if not confirmed():
        return confirm_page(gettext("Delete topic %(title)s", title=item.title),
                            gettext("Every post in it is deleted. This cannot be undone."),
                            cancel=url_for("staff.topic", topic_id=item.id), button=gettext("Delete topic"))
    forum_id = item.forum_id
    moderation.delete_topic(current_staff(), item)
    flash(gettext("Topic deleted."), "success")
    return redirect(url_for("staff.forum_edit", forum_id=forum_id))


@bp.route("/forums/posts/<int:post_id>", methods=["GET", "POST"])
@staff_required("forums")
def post_edit(post_id):
    post = moderation.get(Post, post_id)
    errors = {}
    if request.method == "POST":
        try:
            moderation.edit_post(current_staff(), post, request.form.get("body", ""))
        except ValidationFailed as exc:
            abandon()
            errors = errors_by_field(exc)
        else:
            flash(gettext("Post saved."), "success")
            return redirect(url_for("staff.topic", topic_id=post.topic_id) + f"#post-{post.id}")
    return render_template("staff/forums/post.html", post=post, errors=errors), 400 if errors else 200


@bp.post("/forums/posts/<int:post_id>/delete")
@staff_required("forums")
def post_delete(post_id):
    post = moderation.get(Post, post_id)
    as_spam = checked("as_spam")
    back = url_for("staff.topic", topic_id=post.topic_id)
    if not confirmed():
        return confirm_page(gettext("Delete the post by %(post)s as spam", post=post.name) if as_spam
                            else gettext("Delete the post by %(post)s", post=post.name),
                            gettext("The post is removed from its topic. This cannot be undone."), cancel=back,
                            button=gettext("Delete post"), hidden={"as_spam": "1" if as_spam else ""})
    topic_id = post.topic_id
    try:
        moderation.delete_post(current_staff(), post, as_spam=as_spam)
    except Conflict as exc:
        abandon()
        flash(exc.message, "error")
        return redirect(back)
    flash(gettext("Post deleted."), "success")
    if db.session.get(Topic, topic_id) is None:
        return redirect(url_for("staff.forums"))
    return redirect(back)


@bp.post("/forums/posts/<int:post_id>/request")
@staff_required("forums")
def post_to_request(post_id):
    post = moderation.get(Post, post_id)
    try:
        req = moderation.post_to_request(current_staff(), post)
    except ValidationFailed as exc:
        abandon()
        flash(gettext("The post could not become a request: %(message)s", message=exc.message), "error")
        return redirect(url_for("staff.topic", topic_id=post.topic_id))
    flash(gettext("Request %(request_id)s opened from the post.", request_id=req.id), "success")
    if current_staff().can("requests"):
        return redirect(url_for("staff.request_page", request_id=req.id))
    return redirect(url_for("staff.topic", topic_id=post.topic_id))


@bp.route("/forums/spam", methods=["GET", "POST"])
@staff_required("forums")
def spam_queue():
    if request.method == "POST":
        ids = [number for raw in request.form.getlist("posts") if (number := database_id(raw))]
        if request.form.get("action") == "delete":
            if not confirmed():
                return confirm_page(ngettext("Delete %(num)s held post", "Delete %(num)s held posts", len(ids)),
                                    gettext("They are deleted for good."), cancel=url_for("staff.spam_queue"),
                                    button=gettext("Delete posts"), hidden={"posts": ids, "action": "delete"})
            done = moderation.delete_held(current_staff(), ids)
            message = ngettext("Deleted %(num)s held post.", "Deleted %(num)s held posts.", done)
        else:
            done = moderation.approve_posts(current_staff(), ids)
            message = ngettext("Approved %(num)s post.", "Approved %(num)s posts.", done)
        flash(message, "success")
        return redirect(url_for("staff.spam_queue"))
    return render_template("staff/forums/spam.html", posts=moderation.held_posts(current_staff()))


@bp.route("/forums/known", methods=["GET", "POST"])
@staff_required("forums")
def known_users():
    errors = {}
    if request.method == "POST":
        label = request.form.get("custom_label", "").strip() or request.form.get("label", "")
        try:
            moderation.save_known_user(current_staff(), name=request.form.get("name", ""), label=label,
                                       ip=request.form.get("ip", ""), os=request.form.get("os", ""))
        except ValidationFailed as exc:
            abandon()
            errors = errors_by_field(exc)
        else:
            flash(gettext("Label saved."), "success")
            return redirect(safe_back())
    rows = db.session.execute(db.select(KnownUser).order_by(KnownUser.name)).scalars()
    return render_template("staff/forums/known.html", known=list(rows), labels=DEFAULT_KNOWN_USER_LABELS,
                           errors=errors, prefill=request.args), 400 if errors else 200


def safe_back() -> str:
    return safe_next(request.form.get("back"), url_for("staff.known_users"))


@bp.post("/forums/known/<int:known_id>/delete")
@staff_required("forums")
def known_user_delete(known_id):
    known = moderation.get(KnownUser, known_id)
    if not confirmed():
        return confirm_page(gettext("Remove the label of %(name)s", name=known.name),
                            gettext("Their posts no longer show it."),
                            cancel=url_for("staff.known_users"), button=gettext("Remove label"))
    moderation.delete_known_user(current_staff(), known)
    flash(gettext("Label removed."), "success")
    return redirect(url_for("staff.known_users"))


@bp.get("/forums/newest")
@staff_required("forums")
def newest():
    return render_template("staff/forums/newest.html", topics=moderation.newest_topics(),
                           posts=moderation.newest_posts())
