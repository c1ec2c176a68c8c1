"""Forgiving search on the portal search page and in HelpSpot's kb.search / forums.search, and the counts
of searches that found nothing."""
import pytest

from portal.deflection.models import SearchCount
from portal.deflection.searches import normalised
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page
from tests.api.conftest import Api, public_api_on  # noqa: F401  (the public API switched on)


@pytest.fixture
def content(app):
    with app.app_context():
        chapter = Chapter(book=Book(name="Guide"), name="Security")
        forum = Forum(name="Questions")
        topic = Topic(forum=forum, title="Certificate expired", starter_name="Ann", post_count=1)
        db.session.add_all([Page(chapter=chapter, name="Renew the certificate", body="<p>Certificates expire.</p>"),
                            Page(chapter=chapter, name="Two-factor login", body="<p>Use an authenticator.</p>"),
                            forum, topic, Post(topic=topic, name="Ann", body="<p>Help</p>")])
        db.session.commit()


def counts(app) -> set[tuple]:
    with app.app_context():
        return {(c.outcome, c.words, c.count) for c in db.session.scalars(db.select(SearchCount))}


def test_the_search_page_shows_forgiven_results_and_offers_the_exact_search(app, client, content):
    html = client.get("/search", query_string={"q": "cert"}).get_data(as_text=True)
    assert "Showing results for <strong>certificate</strong>" in html
    assert "Renew the certificate" in html
    assert 'href="/search?q=cert&amp;area=kb&amp;exact=1"' in html
    exact = client.get("/search", query_string={"q": "cert", "exact": "1"}).get_data(as_text=True)
    assert "Renew the certificate" not in exact and "No results for" in exact
    assert counts(app) == {("fuzzy", "cert", 1), ("none", "cert", 1)}


def test_searches_that_find_nothing_are_counted_normalised_even_from_the_page_cache(app, client, content):
    for typed in ("Zebra  crossing!", "zebra crossing", "zebra crossing"):
        reply = client.get("/search", query_string={"q": typed})
        assert "X-Portico-Search-Outcome" not in reply.headers
    assert counts(app) == {("none", "zebra crossing", 3)}
    client.get("/search", query_string={"q": "authenticator"})  # found: not counted
    assert counts(app) == {("none", "zebra crossing", 3)}
    assert normalised("  Hello,   WORLD?? ") == "hello world"


def test_helpspot_searches_forgive_only_when_nothing_matched(app, client, content):
    api = Api(client)
    pages = api.json("kb.search", q="certificat")[1]["page"]
    assert [p["sPageName"] for p in pages] == ["Renew the certificate"]
    assert [t["sTopic"] for t in api.json("forums.search", q="certficate")[1]["topic"]] == ["Certificate expired"]
    # One exact match: no forgiving words added to the answer.
    assert [p["sPageName"] for p in api.json("kb.search", q="authenticator")[1]["page"]] == ["Two-factor login"]
    assert api.json("kb.search", q="zzzz")[1] == {"page": []}
