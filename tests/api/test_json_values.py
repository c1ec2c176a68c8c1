"""JSON renders every scalar as a string (as HelpSpot's PHP renders database values), except error ids."""
import pytest


def scalars(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from scalars(item)
    else:
        yield value


@pytest.fixture
def content(build):
    field = build.field(name="Office", always_visible=True, text_size=30)
    cat = build.category("Bugs", field_ids=[field])
    build.customer()
    _, key = build.request(category_id=cat, custom={field: "HQ"}, urgent=True)
    book = build.book()
    chapter = build.chapter(book)
    page = build.page(chapter, tags=["Pricing"], related=[build.page(chapter, "Other")])
    forum = build.forum()
    topic = build.topic(forum)
    return [("customer.getRequests", {"sEmail": "tsmith@companyco.com", "sPassword": "nusoxdln"}),
            ("request.get", {"accesskey": key}), ("request.getCategories", {}), ("request.getCustomFields", {}),
            ("kb.list", {}), ("kb.get", {"xBook": book}), ("kb.getBookTOC", {"xBook": book, "fWithPageHTML": 1}),
            ("kb.getPage", {"xPage": page}), ("kb.search", {"q": "body"}), ("kb.voteHelpful", {"xPage": page}),
            ("forums.list", {}), ("forums.get", {"xForumId": forum}), ("forums.getTopics", {"xForumId": forum}),
            ("forums.getPosts", {"xTopicId": topic}), ("forums.search", {"q": "post"}),
            ("util.getFieldLabels", {}), ("version", {})]


def test_every_scalar_is_a_string_or_null(api, content):
    for method, params in content:
        response, body = api.json(method, **params)
        assert response.status_code == 200, method
        values = list(scalars(body))
        assert values, method
        assert all(v is None or isinstance(v, str) for v in values), (method, values)


def test_error_ids_are_numbers(api):
    assert api.json("kb.get")[1]["error"][0]["id"] == 101


@pytest.fixture
def app_config():
    return {"MAX_CONTENT_LENGTH": 1000}


def test_oversized_body_gets_the_envelope(api):
    response = api.call("request.create", via="body", output="json", tNote="x" * 5000)
    assert response.status_code == 413
    assert b"<id>413</id>" in response.data and response.headers["X-HelpSpot-API"] == "2.0"
