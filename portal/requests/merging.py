"""Merging one request into another: its notes (with their files), time, subscriptions and tags move to
the request that survives, and its access key keeps working (``services.find_by_access_key`` follows the
``RequestMerge`` row to the survivor). Functions flush, never commit.
"""
from flask_babel import gettext

from ..errors import ValidationFailed
from ..extensions import db
from .models import Note, Request, RequestMerge
from .services import add_log
from .workflow import require
from .workspace_models import RequestSubscription, TimeEvent


def merge(source: Request, target: Request, staff) -> Request:
    """Merge ``source`` into ``target`` and delete ``source``; returns ``target``.

    Raises Forbidden, ValidationFailed (the same request twice)."""
    require(staff)
    if source.id == target.id:
        raise ValidationFailed(("xRequestTo", gettext("A request cannot be merged into itself.")))
    source_id = source.id
    for note in list(source.notes):
        note.request = target
        note.merged_from = note.merged_from or source_id
    db.session.execute(db.update(TimeEvent).where(TimeEvent.request_id == source_id)
                       .values(request_id=target.id))
    _move_subscriptions(source_id, target.id)
    target.tags = sorted({t.id: t for t in [*target.tags, *source.tags]}.values(), key=lambda t: t.name_key)
    have = {value.field_id for value in target.field_values}
    for value in source.field_values:  # keep the survivor's values; fill in what it lacks
        if value.field_id not in have and value.value is not None:
            target.field_values.append(type(value)(field_id=value.field_id, value=value.value))
    # Keys merged into the source earlier now lead to the target too.
    db.session.execute(db.update(RequestMerge).where(RequestMerge.request_id == source_id)
                       .values(request_id=target.id))
    db.session.add(RequestMerge(old_id=source_id, old_password=source.password, request_id=target.id))
    target.urgent = target.urgent or source.urgent
    replies = [when for when in (target.first_reply_at, source.first_reply_at) if when is not None]
    target.first_reply_at = min(replies, default=None)  # its notes now include the source's
    add_log(target, f"Request {source_id} was merged into this request", staff)
    db.session.flush()
    db.session.expire(source, ["notes"])
    db.session.delete(source)
    db.session.flush()
    return target


def _move_subscriptions(source_id: int, target_id: int) -> None:
    already = set(db.session.execute(db.select(RequestSubscription.staff_id)
                                     .where(RequestSubscription.request_id == target_id)).scalars())
    for row in db.session.execute(db.select(RequestSubscription)
                                  .where(RequestSubscription.request_id == source_id)).scalars():
        if row.staff_id in already:
            db.session.delete(row)
        else:
            row.request_id = target_id


def merged_note_count(target: Request) -> int:
    return db.session.scalar(db.select(db.func.count(Note.id)).where(Note.request_id == target.id,
                                                                    Note.merged_from != 0)) or 0
