"""Request tags: one model (``RequestTag``) behind HelpSpot's reporting tags, DeskPRO's labels and HappyFox's
tags. Staff set them on the request page (through ``workflow.update_request(tags=...)``, logged in the
request's history) and filter the queue by one.

A tag's name is one line of at most 100 characters; names are unique ignoring case, and a tag typed again
in another case is the same tag. Tags are created as they are first used. Functions flush, never commit.
"""
from flask_babel import gettext

from ..errors import ValidationFailed
from ..extensions import db
from ..text import single_line
from .models import RequestTag

MAX_NAME = 100
MAX_TAGS = 50  # on one request


def clean(names) -> list[str]:
    """Distinct names (first spelling wins, case ignored), blanks dropped. Raises ValidationFailed."""
    seen: dict[str, str] = {}
    for raw in names:
        if not isinstance(raw, str):
            raise ValidationFailed(("tags", gettext("Tags are names.")))
        name = single_line(raw)
        if not name:
            continue
        if len(name) > MAX_NAME:
            raise ValidationFailed(("tags", gettext("A tag is at most %(max_name)s characters long.",
                                                    max_name=MAX_NAME)))
        seen.setdefault(name.lower(), name)
    if len(seen) > MAX_TAGS:
        raise ValidationFailed(("tags", gettext("A request can carry at most %(max_tags)s tags.", max_tags=MAX_TAGS)))
    return list(seen.values())


def split(text: str) -> list[str]:
    """Names typed in one field, separated by commas."""
    return [part for part in (text or "").split(",")]


def named(names) -> list[RequestTag]:
    """The tags with these names, created as needed. Raises ValidationFailed."""
    wanted = clean(names)
    if not wanted:
        return []
    found = {t.name_key: t for t in db.session.execute(
        db.select(RequestTag).where(RequestTag.name_key.in_([n.lower() for n in wanted]))).scalars()}
    tags = []
    for name in wanted:
        tag = found.get(name.lower())
        if tag is None:
            tag = found[name.lower()] = RequestTag(name=name, name_key=name.lower())
            db.session.add(tag)
        tags.append(tag)
    db.session.flush()
    return tags


def by_ids(ids) -> list[RequestTag]:
    """Existing tags by id (HelpSpot's ``xReportingTag``). Raises ValidationFailed for an unknown id."""
    ids = list(dict.fromkeys(ids))
    found = {t.id: t for t in db.session.execute(db.select(RequestTag).where(RequestTag.id.in_(ids))).scalars()}
    missing = [i for i in ids if i not in found]
    if missing:
        raise ValidationFailed(("tags", gettext("Unknown tag id %(tag_id)s.", tag_id=missing[0])))
    return [found[i] for i in ids]


def find(name: str) -> RequestTag | None:
    name = single_line(name or "")
    if not name:
        return None
    return db.session.execute(db.select(RequestTag).where(RequestTag.name_key == name.lower())).scalar_one_or_none()


def all_tags() -> list[RequestTag]:
    return list(db.session.execute(db.select(RequestTag).order_by(RequestTag.name_key)).scalars())


def names(req) -> list[str]:
    return [t.name for t in req.tags]
