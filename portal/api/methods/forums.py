"""Forum methods, shaped as the public docs' samples, errors 202-205 (forums are a deliberate addition to
HelpSpot's API, listed in docs/helpspot-differences.md).

Posting goes through portal.forums.services, so closed forums and topics, required fields and spam
holding follow the same rules as the portal forms.
"""
from flask import request

from ... import settings
from ...errors import Forbidden, NotFound, ValidationFailed
from ...extensions import db
from ...forums import services
from ...search.query import search_forums
from .. import shapes
from ..errors import ApiError, error
from ..output import NOT_FOUND
from ..registry import Params, api_method, kept, searched
from .requests import count_against_form_limit

POSTER_PARAMS = ("sEmail", "sURL", "fEmailUpdate", "sIP", "sOS", "sBrowser")


def forum_row(forum) -> dict:
    return shapes.row({"xForumId": forum.id, "sForumName": forum.name, "sDescription": forum.description,
                       "fClosed": forum.closed, "iOrder": forum.position})


@api_method("forums.list", "forums", cache=kept("forums"))
def forums_list(p: Params):
    return {"forum": [forum_row(forum) for forum in services.public_forums()]}


@api_method("forums.get", "forum", required=("xForumId",), cache=kept("forums"))
def forums_get(p: Params):
    try:
        return forum_row(services.get_forum(p.id("xForumId")))
    except Forbidden:
        return {}
    except NotFound:
        return NOT_FOUND


@api_method("forums.getTopics", "topics", required=("xForumId",), optional=("start", "length"), cache=kept("forums"))
def forums_get_topics(p: Params):
    try:
        forum = services.get_forum(p.id("xForumId"))
    except (Forbidden, NotFound):
        return {}
    start = max(0, p.int("start", 0))
    length = p.int("length", 0)
    length = length if length and length > 0 else settings.get("forum_page_size")
    topics = services.list_topics(forum, offset=start, limit=min(length, 1000))
    return {"topic": [shapes.row({
        "xTopicId": t.id, "xForumId": t.forum_id, "fClosed": t.closed, "fSticky": t.sticky,
        "dtGMTPosted": shapes.unix(t.posted_at), "sName": t.starter_name, "sTopic": t.title,
        "postcount": t.post_count}) for t in topics]}


@api_method("forums.getPosts", "posts", required=("xTopicId",), cache=kept("forums"))
def forums_get_posts(p: Params):
    try:
        topic = services.get_topic(p.id("xTopicId"))
    except (Forbidden, NotFound):
        return {}
    posts = list(db.session.execute(services.posts_query(topic)).scalars())
    labels = services.known_labels(posts)
    return {"post": [shapes.row({
        "xPostId": post.id, "xTopicId": post.topic_id, "dtGMTPosted": shapes.unix(post.posted_at),
        "sName": post.name, "sURL": post.url, "tPost": post.body, "sLabel": labels.get(post.id, "")})
        for post in posts]}


def post_input(p: Params, title: str = "") -> services.PostInput:
    """The poster's details. HelpSpot's ``sIP`` is accepted and ignored: the address stored is the caller's
    own (``TRUSTED_PROXIES`` lets a proxy's ``X-Forwarded-For`` name it), because known-user labels trust it."""
    return services.PostInput(
        body=p.get("tPost"), name=p.text("sName"), email=p.text("sEmail"), url=p.text("sURL"),
        email_updates=p.flag("fEmailUpdate"), ip=request.remote_addr or "",
        os=p.text("sOS"), browser=p.text("sBrowser"), title=title)


@api_method("forums.createTopic", "topic", required=("xForumId", "sTopic", "sName", "tPost"),
            optional=POSTER_PARAMS)
def forums_create_topic(p: Params):
    # The forms' link-count spam rule applies in the service; their timer and honeypot cannot (no form).
    count_against_form_limit("forums.forum")
    try:
        forum = services.get_forum(p.id("xForumId"))
        topic, _ = services.create_topic(forum, post_input(p, p.get("sTopic")))
    except services.ForumClosed:
        raise ApiError.of(203) from None
    except (Forbidden, NotFound):
        raise ApiError.of(202, "No such forum") from None
    except ValidationFailed as exc:
        raise ApiError(*[error(202, reason) for _, reason in exc.errors]) from None
    return {"xTopicId": str(topic.id)}


@api_method("forums.createPost", "post", required=("xTopicId", "sName", "tPost"), optional=POSTER_PARAMS)
def forums_create_post(p: Params):
    count_against_form_limit("forums.topic")
    try:
        topic = services.get_topic(p.id("xTopicId"))
    except (Forbidden, NotFound):
        raise ApiError.of(205) from None
    try:
        post = services.create_post(topic, post_input(p))
    except (services.ForumClosed, services.TopicClosed):
        raise ApiError.of(203) from None
    except ValidationFailed as exc:
        raise ApiError(*[error(204, reason) for _, reason in exc.errors]) from None
    return {"xPostId": str(post.id)}


@api_method("forums.search", "topics", required=("q",), cache=searched("forums"))
def forums_search(p: Params):
    results = search_forums(p.get("q"), per_page=settings.get("max_search_results"), forgive=1)  # only when nothing
    return {"topic": [shapes.row({
        "link": f"?pg=forums.posts&id={hit.id}", "desc": hit.desc, "sTopic": hit.title, "xTopicId": hit.id,
        "sForumName": hit.forum_name, "xForumId": hit.forum_id, "dtGMTPosted": shapes.unix(hit.posted_at)})
        for hit in results.hits]}
