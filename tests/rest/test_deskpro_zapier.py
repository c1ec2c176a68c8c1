"""DeskPRO's Zapier endpoints: ping, and storing REST hook subscriptions (their delivery through the outbox,
portal.webhooks.services, is tested in tests/outbox/test_hooks.py)."""
from portal.extensions import db
from portal.webhooks.hooks import for_event
from portal.webhooks.models import HookSubscription


def test_ping_answers_an_empty_list(deskpro):
    response = deskpro.get("apps/zapier/ping")
    assert response.status_code == 200 and response.get_data(as_text=True) == "[]"
    assert response.mimetype == "application/json"
    assert deskpro.get("apps/zapier/ping", key=None).status_code == 401
    assert deskpro.get("apps/zapier/ping", key="1:wrong").status_code == 401


def test_subscribe_list_and_delete(app, deskpro):
    body = {"target_url": "https://hooks.zapier.com/hooks/standard/1/abc/", "event": "new_ticket",
            "subscription_url": "https://hooks.zapier.com/x", "zap_id": 7}
    response = deskpro("POST", "apps/zapier/hooks", body=body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert data["id"] and data["event"] == "new_ticket" and response.headers["Location"].endswith(
        f"apps/zapier/hooks/{data['id']}")
    again = deskpro("POST", "apps/zapier/hooks", body=body).get_json()["data"]
    assert again["id"] == data["id"]  # the same URL and event is one subscription
    listed = deskpro.get("apps/zapier/hooks").get_json()["data"]
    assert [row["id"] for row in listed] == [data["id"]]
    assert deskpro.get(f"apps/zapier/hooks/{data['id']}").get_json()["data"]["target_url"] == body["target_url"]
    with app.app_context():
        rows = for_event("new_ticket")
        assert [(r.target_url, r.source) for r in rows] == [(body["target_url"], "zapier")]
        assert rows[0].api_key_id and rows[0].staff_id
    assert deskpro("DELETE", f"apps/zapier/hooks/{data['id']}").status_code == 200
    assert deskpro("DELETE", f"apps/zapier/hooks/{data['id']}").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(HookSubscription.id))) == 0


def test_bad_subscriptions_name_the_field(deskpro):
    for body, field in (({"event": "new_ticket"}, "target_url"),
                        ({"target_url": "ftp://example.com/x", "event": "new_ticket"}, "target_url"),
                        ({"target_url": "https://example.com/" + "x" * 2000, "event": "new_ticket"}, "target_url"),
                        ({"target_url": "https://example.com/x"}, "event"),
                        ({"target_url": "https://example.com/x", "event": "New Ticket!"}, "event"),
                        ({"target_url": ["x"], "event": "new_ticket"}, "target_url")):
        response = deskpro("POST", "apps/zapier/hooks", body=body)
        assert response.status_code == 400, body
        assert field in response.get_json()["errors"]["fields"], (body, response.get_json())


def test_staff_see_only_their_own_subscriptions(make_key, client):
    from tests.rest.conftest import DeskPro

    mine = DeskPro(client, make_key("one@example.com"))
    theirs = DeskPro(client, make_key("two@example.com"))
    admin = DeskPro(client, make_key("boss@example.com", role="administrator"))
    hook = mine("POST", "apps/zapier/hooks", body={"target_url": "https://example.com/h", "event": "new_ticket"})
    hook_id = hook.get_json()["data"]["id"]
    assert theirs.get("apps/zapier/hooks").get_json()["data"] == []
    assert theirs("DELETE", f"apps/zapier/hooks/{hook_id}").status_code == 404
    assert [h["id"] for h in admin.get("apps/zapier/hooks").get_json()["data"]] == [hook_id]
    reader = DeskPro(client, make_key("three@example.com", read_only=True))
    assert reader("POST", "apps/zapier/hooks", body={"target_url": "https://example.com/h",
                                                     "event": "new_ticket"}).status_code == 403
    assert reader.get("apps/zapier/ping").status_code == 200
