"""DeskPRO v2 ``ticket_filters``: the queue's built-in and saved views, and each filter's tickets."""
from portal.accounts.models import Staff
from portal.extensions import db
from portal.requests import filters
from portal.requests.queue import QueueFilter


def new_ticket(deskpro, subject, **extra):
    body = {"subject": subject, "person": "ada@example.com", "message": {"message": "hi"}, **extra}
    response = deskpro("POST", "tickets", body=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["data"]["id"]


def _save(app, email, name, shared=False, **criteria):
    with app.app_context():
        staff = db.session.execute(db.select(Staff).where(Staff.email == email)).scalar_one()
        saved = filters.save(staff, name, QueueFilter(**criteria), shared=shared)
        db.session.commit()
        return saved.id


def test_list_get_and_tickets_of_a_filter(app, deskpro):
    urgent = new_ticket(deskpro, "Fire", urgency=10)
    new_ticket(deskpro, "Calm")
    saved = _save(app, "agent@example.com", "Hot", view="urgent")
    listed = deskpro.get("ticket_filters")
    assert listed.status_code == 200
    body = listed.get_json()
    by_id = {f["id"]: f for f in body["data"]}
    assert by_id["inbox"]["sys_name"] == "inbox" and by_id["inbox"]["count"] == 2
    assert by_id[saved]["title"] == "Hot" and by_id[saved]["count"] == 1 and by_id[saved]["is_global"] is False
    assert body["meta"]["total"] == len(filters.BUILT_IN) + 1
    one = deskpro.get(f"ticket_filters/{saved}").get_json()["data"]
    assert one["terms"]["view"] == "urgent" and one["person"]
    tickets = deskpro.get(f"ticket_filters/{saved}/tickets").get_json()
    assert [t["id"] for t in tickets["data"]] == [urgent] and tickets["meta"]["total"] == 1
    assert tickets["data"][0]["fields"] == {}
    paged = deskpro.get("ticket_filters/open/tickets", count=1, page=2).get_json()
    assert len(paged["data"]) == 1 and paged["meta"]["total_pages"] == 2 and paged["links"]["prev"]
    counts = deskpro.get("ticket_filters/counts").get_json()["data"]
    assert counts["open"] == 2 and counts[str(saved)] == 1


def test_unknown_and_private_filters_are_404(app, deskpro, make_key):
    other = make_key(email="kim@example.com")
    private = _save(app, "kim@example.com", "Kim's own")
    shared = _save(app, "kim@example.com", "Team", shared=True)
    for path in ("ticket_filters/nope", f"ticket_filters/{private}", f"ticket_filters/{private}/tickets",
                 "ticket_filters/99999999999999", "ticket_filters/123456"):
        response = deskpro.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["code"] == "not_found"
    assert deskpro.get(f"ticket_filters/{shared}").get_json()["data"]["is_global"] is True
    assert deskpro("GET", f"ticket_filters/{private}", key=other).status_code == 200
    assert deskpro("DELETE", f"ticket_filters/{shared}").status_code == 405


def test_bad_paging_is_a_field_error(deskpro):
    response = deskpro.get("ticket_filters/inbox/tickets", count="lots")
    assert response.status_code == 400 and "count" in response.get_json()["errors"]["fields"]
