"""``ticket_filters``: the queue's saved views (``portal.requests.filters``), the built-in views named by a word
(``inbox``, ``myq``, ``open``, ...) and each agent's saved ones by number; ``/ticket_filters/{id}/tickets`` is
one page of the filter's tickets, exactly the requests the queue page shows for it."""
from ...requests import filters
from ..paging import paging
from .dialect import collection, envelope, route
from .tickets import TICKET, _people, ticket

FILTER = {"type": "object", "required": ["id", "title", "sys_name", "is_global", "person", "terms"],
          "properties": {"id": {"type": ["integer", "string"]}, "title": {"type": "string"},
                         "is_global": {"type": "boolean"}, "count": {"type": "integer"}, "terms": {"type": "object"}}}


def ticket_filter(ref: filters.FilterRef, count: int | None = None) -> dict:
    saved = ref.saved
    data = {"id": int(ref.id) if saved else ref.id, "title": ref.name, "sys_name": ref.id if saved is None else None,
            "is_global": ref.shared, "person": saved.owner_id if saved else None,
            "terms": {"view": ref.criteria.view, "department": ref.criteria.category_id,
                      "status_id": ref.criteria.status_id, "label": ref.criteria.tag or None,
                      "query": ref.criteria.q or None}}
    if count is not None:
        data["count"] = count
    return data


@route("/ticket_filters", "GET", "tickets.ticket_filters.list", doc={"items": FILTER})
def list_filters(caller):
    refs = filters.all_filters(caller.staff)
    page = paging(default=50)
    shown = refs[page.offset:page.offset + page.per_page]
    counts = filters.counts(caller.staff, shown)
    return collection([ticket_filter(ref, counts[ref.id]) for ref in shown], page, len(refs))


@route("/ticket_filters/counts", "GET", "tickets.ticket_filters.counts",
       doc={"data": {"type": "object", "additionalProperties": {"type": "integer"}}})
def count_filters(caller):
    refs = filters.all_filters(caller.staff)
    return envelope(filters.counts(caller.staff, refs))


@route("/ticket_filters/<filter_id>", "GET", "tickets.ticket_filters.get", doc={"data": FILTER})
def get_filter(caller, filter_id):
    ref = filters.find(caller.staff, filter_id)
    return envelope(ticket_filter(ref, filters.counts(caller.staff, [ref])[ref.id]))


@route("/ticket_filters/<filter_id>/tickets", "GET", "tickets.ticket_filters.tickets", doc={"items": TICKET})
def filter_tickets(caller, filter_id):
    ref = filters.find(caller.staff, filter_id)
    page = paging()
    result = filters.requests(caller.staff, ref, page=page.page, per_page=page.per_page)
    people = _people(result.items)
    return collection([ticket(req, people) for req in result.items], page, result.total)
