"""Request tags on the staff request page and the queue's tag filter."""
from portal.extensions import db
from portal.requests.models import Request


def test_set_tags_on_the_request_page_and_filter_the_queue(app, login, make_request):
    tagged = make_request(title="Tagged one")
    plain = make_request(title="Plain one")
    client = login("agent")
    response = client.post(f"/staff/requests/{tagged}/update", data={"status": "1", "tags": "Printer, vip, VIP"})
    assert response.status_code == 302
    with app.app_context():
        req = db.session.get(Request, tagged)
        assert [t.name for t in req.tags] == ["Printer", "vip"]
        assert any('Tags changed from "none" to "Printer, vip"' in (n.log or "") for n in req.notes)
    page = client.get(f"/staff/requests/{tagged}").get_data(as_text=True)
    assert 'value="Printer, vip"' in page and "badge tag" in page
    queue = client.get("/staff/requests?tag=printer").get_data(as_text=True)
    assert "Tagged one" in queue and "Plain one" not in queue
    assert "Plain one" in client.get("/staff/requests").get_data(as_text=True)
    # A form without the tags field leaves them alone; an empty one clears them.
    client.post(f"/staff/requests/{tagged}/update", data={"status": "1", "urgent": "1"})
    with app.app_context():
        assert len(db.session.get(Request, tagged).tags) == 2
    client.post(f"/staff/requests/{tagged}/update", data={"status": "1", "tags": ""})
    with app.app_context():
        assert db.session.get(Request, tagged).tags == [] and db.session.get(Request, plain).tags == []


def test_too_long_tag_is_refused(app, login, make_request):
    request_id = make_request()
    client = login("agent")
    response = client.post(f"/staff/requests/{request_id}/update", data={"status": "1", "tags": "x" * 101},
                           follow_redirects=True)
    assert "at most 100 characters" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Request, request_id).tags == []
