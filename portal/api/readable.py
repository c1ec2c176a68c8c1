"""``fRawValues=0`` (the private API's default): reference ids and dates replaced by display text,
as in the manual's samples (``xStatus`` = ``Active``, ``dtGMTOpened`` = ``September 24, 2007``)."""
from ..accounts.models import Staff
from ..dates import from_unix
from ..extensions import db
from ..requests.models import OPENED_VIA


def long_date(stamp: str) -> str:
    if not stamp or stamp == "0":
        return ""
    when = from_unix(int(stamp))
    return f"{when:%B} {when.day}, {when.year}"


def change_date(stamp: str) -> str:
    when = from_unix(int(stamp))
    return f"{when:%a, %B} {when.day}, {when:%Y, %I:%M %p}"


def _staff_names() -> dict[str, str]:
    return {str(staff.id): staff.full_name for staff in db.session.execute(db.select(Staff)).scalars()}


def readable(req, result: dict, names: dict[str, str] | None = None) -> dict:
    """A copy of a request's fields (and history, when present) with readable values."""
    names = names if names is not None else _staff_names()
    out = dict(result)
    out["fOpenedVia"] = OPENED_VIA.get(req.opened_via, str(req.opened_via))
    out["xPersonOpenedBy"] = names.get(result["xPersonOpenedBy"], "")
    out["xPersonAssignedTo"] = names.get(result["xPersonAssignedTo"], "")
    out["xStatus"] = req.status.name
    out["xCategory"] = req.category.name if req.category else ""
    out["dtGMTOpened"] = long_date(result["dtGMTOpened"])
    out["dtGMTClosed"] = long_date(result["dtGMTClosed"])
    out["dtGMTTrashed"] = long_date(result["dtGMTTrashed"])
    if "request_history" in result:
        items = []
        for item in result["request_history"]["item"]:
            person = item["xPerson"]
            label = "Help Desk Message" if person == "-1" else names.get(person, " ")
            items.append({**item, "xPerson": label, "dtGMTChange": change_date(item["dtGMTChange"])})
        out["request_history"] = {"item": items}
    return out
