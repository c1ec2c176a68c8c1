"""Canned responses: reply texts staff insert into notes, shared with everyone or kept personal.

Placeholders filled in for a request: ``{customer_name}``, ``{customer_first_name}``, ``{access_link}``,
``{request_id}``, ``{staff_name}``, and ``{kb:<page id>}`` for a public knowledge-book page (its name and
link; the staff page's picker inserts these from a KB search). Functions flush, never commit. Raises
Forbidden, NotFound (not visible to this staff member), ValidationFailed.
"""
import re

from flask_babel import gettext
from sqlalchemy import bindparam

from ..database import prepared
from ..dates import utcnow
from ..errors import Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..text import single_line, without_controls
from ..urls import external_url
from .models import Request
from .workflow import require
from .workspace_models import CannedResponse, ResponseUse

_KB_PLACEHOLDER = re.compile(r"\{kb:([0-9]{1,10})\}")
PERSONAL_FOLDER = "My Responses"
# HelpSpot's fType for a response: the manual's sample shows 2 on a personal one ("My Responses").
HELPSPOT_TYPE_SHARED, HELPSPOT_TYPE_PERSONAL = 1, 2


def _visible(staff):
    return db.or_(CannedResponse.staff_id.is_(None), CannedResponse.staff_id == staff.id)


def list_responses(staff) -> list[CannedResponse]:
    """The shared responses and the staff member's own, by folder then title."""
    require(staff)
    # Prepared: every staff request page lists them (a statement built afresh cost twice its objects)
    return list(db.session.execute(_listed(), {"staff_id": staff.id}).scalars())


@prepared
def _listed():
    return (db.select(CannedResponse)
            .where(CannedResponse.deleted.is_(False), _visible(_StaffId(bindparam("staff_id"))))
            .order_by(CannedResponse.folder, CannedResponse.title, CannedResponse.id))


class _StaffId:
    """A staff member as _visible reads one (its id), the id given when the statement runs."""

    def __init__(self, staff_id):
        self.id = staff_id


def get_response(staff, response_id: int) -> CannedResponse:
    require(staff)
    response = db.session.get(CannedResponse, response_id) if response_id else None
    if response is None or response.deleted or not (response.shared or response.staff_id == staff.id):
        raise NotFound(gettext("That response does not exist."))
    return response


def _check(title: str, body: str, folder: str) -> tuple[str, str, str]:
    title, folder = single_line(title or "")[:200], single_line(folder or "")[:200]
    body = without_controls(body or "").strip()
    errors = []
    if not title:
        errors.append(("title", gettext("Please give the response a title.")))
    if not body:
        errors.append(("body", gettext("Please write the response's text.")))
    elif len(body) > 20000:
        errors.append(("body", gettext("A response can be at most 20,000 characters.")))
    if errors:
        raise ValidationFailed(errors)
    return title, body, folder


def create_response(staff, *, title: str, body: str, folder: str = "", shared: bool = False) -> CannedResponse:
    require(staff)
    title, body, folder = _check(title, body, folder)
    response = CannedResponse(title=title, body=body, folder=folder or ("" if shared else PERSONAL_FOLDER),
                              staff_id=None if shared else staff.id, created_by_id=staff.id)
    db.session.add(response)
    db.session.flush()
    return response


def _may_change(staff, response: CannedResponse) -> None:
    if response.shared and response.created_by_id != staff.id and not staff.can("admin"):
        raise Forbidden(gettext("Only its author or an administrator may change a shared response."))


def update_response(staff, response_id: int, *, title: str, body: str, folder: str = "") -> CannedResponse:
    response = get_response(staff, response_id)
    _may_change(staff, response)
    response.title, response.body, response.folder = _check(title, body, folder)
    db.session.flush()
    return response


def delete_response(staff, response_id: int) -> None:
    response = get_response(staff, response_id)
    _may_change(staff, response)
    response.deleted = True
    db.session.flush()


def render(response: CannedResponse, req: Request | None, staff) -> str:
    """The response's text with its placeholders filled in for ``req`` (left as typed without one)."""
    from ..kb.models import Page
    from ..kb.services import page_is_public  # kb imports nothing of requests; kept local all the same

    text = response.body
    if req is not None:
        from .services import request_url

        values = {"customer_name": req.display_name, "customer_first_name": req.first_name or req.display_name,
                  "access_link": request_url(req), "request_id": str(req.id)}
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
    text = text.replace("{staff_name}", staff.full_name)

    def kb_link(match):
        page = db.session.get(Page, int(match.group(1)))
        if page is None or not page_is_public(page.id):
            return match.group(0)
        return f"{page.name}: {external_url('kb.page', page_id=page.id, slug=page.slug)}"
    return _KB_PLACEHOLDER.sub(kb_link, text)


def use(staff, response_id: int, req: Request | None = None) -> str:
    """The filled-in text of a response inserted into a reply, counting the use (usersMostCommon)."""
    response = get_response(staff, response_id)
    row = db.session.get(ResponseUse, (response.id, staff.id))
    if row is None:
        row = ResponseUse(response_id=response.id, staff_id=staff.id, uses=0)
        db.session.add(row)
    row.uses += 1
    row.last_used_at = utcnow()
    db.session.flush()
    return render(response, req, staff)


def most_used(staff, limit: int = 10) -> list[tuple[CannedResponse, int]]:
    """The staff member's most used responses (still visible to them), most used first."""
    require(staff)
    rows = db.session.execute(
        db.select(CannedResponse, ResponseUse.uses).join(ResponseUse, ResponseUse.response_id == CannedResponse.id)
        .where(ResponseUse.staff_id == staff.id, CannedResponse.deleted.is_(False), _visible(staff))
        .order_by(ResponseUse.uses.desc(), CannedResponse.id).limit(limit)).all()
    return [(response, uses) for response, uses in rows]
