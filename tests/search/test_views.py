"""The portal search page and the request-form suggestions (through portal.search.query only)."""
import re

import pytest

from portal import settings
from portal.extensions import db
from portal.forums.models import Forum, Post, Topic
from portal.kb.models import Book, Chapter, Page, Tag
from portal.search import query


@pytest.fixture
def content(app):
    with app.app_context():
        guide = Book(name="User Guide")
        chapter = Chapter(book=guide, name="Sync")
        db.session.add_all([guide, chapter])
        for n in range(13):
            db.session.add(Page(chapter=chapter, name=f"Sync topic {n:02d}", body=f"<p>How sync works, part {n}.</p>",
                                position=n))
        db.session.add(Page(chapter=chapter, name="Hidden sync notes", body="<p>sync secrets</p>", hidden=True))
        db.session.add(Page(chapter=Chapter(book=Book(name="Internal", private=True), name="Ops"),
                            name="Private sync runbook", body="<p>sync</p>"))
        forum = Forum(name="Questions")
        topic = Topic(forum=forum, title="Sync is slow", starter_name="Ann", post_count=1)
        secret = Topic(forum=Forum(name="Staff", private=True), title="Sync outage", starter_name="Eve",
                       post_count=1)
        db.session.add_all([forum, topic, secret, Post(topic=topic, name="Ann", body="<p>My sync takes hours</p>"),
                            Post(topic=secret, name="Eve", body="<p>sync</p>")])
        db.session.commit()


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_empty_search_shows_the_form_and_no_header_box(client):
    page = text_of(client.get("/search"))
    assert "<title>Search · Portico Help Desk</title>" in page
    assert 'id="q"' in page and 'name="area" value="kb" checked' in page
    assert 'id="site-search"' not in page  # no second search box on the search page
    assert "result-count" not in page and 'class="results' not in page


def test_kb_results_with_counts_snippets_and_the_query_kept(client, content):
    page = text_of(client.get("/search?q=sync&area=kb"))
    assert "<title>Search: sync (13) · Portico Help Desk</title>" in page
    assert "13 results for “sync” in knowledge books" in page
    assert 'value="sync"' in page
    assert "<mark>sync</mark>" in page
    assert re.search(r'href="/kb/pages/\d+-sync-topic-00">Sync topic 00</a>', page)
    assert "User Guide › Sync" in page
    assert "Hidden sync notes" not in page and "Private sync runbook" not in page
    assert "Page 1 of 2" in page and 'rel="next" href="/search?q=sync&amp;area=kb&amp;page=2"' in page


def test_second_page_of_results(client, content):
    page = text_of(client.get("/search?q=sync&area=kb&page=2"))
    assert "Sync topic 12" in page and "Sync topic 00" not in page
    assert 'start="11"' in page


def test_forum_results(client, content):
    page = text_of(client.get("/search?q=sync&area=forums"))
    assert "1 result for “sync” in forums" in page
    assert re.search(r'href="/forums/topics/\d+-sync-is-slow">Sync is slow</a>', page)
    assert "Questions" in page and "Sync outage" not in page
    assert 'name="area" value="forums" checked' in page


def test_an_unknown_area_searches_the_knowledge_books(client, content):
    assert "in knowledge books" in text_of(client.get("/search?q=sync&area=requests"))


def test_no_results_offers_other_ways(client, content):
    page = text_of(client.get("/search?q=zebra&area=kb"))
    assert "No results for “zebra” in knowledge books" in page
    assert 'href="/search?q=zebra&amp;area=forums"' in page


def test_results_stop_at_the_configured_maximum(app, client, content):
    with app.app_context():
        settings.set_value("max_search_results", 10)
        db.session.commit()
    page = text_of(client.get("/search?q=sync&page=5"))
    assert "10 results" in page and 'rel="next"' not in page
    assert "Sync topic 00" in page  # page 5 is clamped to the last allowed page, the first


def test_the_last_allowed_page_stops_at_the_maximum(app, client, content):
    with app.app_context():
        settings.set_value("max_search_results", 12)
        db.session.commit()
    page = text_of(client.get("/search?q=sync&page=2"))
    assert "12 results" in page and "Sync topic 11" in page and "Sync topic 12" not in page


def test_did_you_mean(client, monkeypatch):
    def fake_search(q, *, page=1, per_page=20, staff=None, forgive=0):
        return query.Results([], 0, page, per_page, suggestion="password", query=q)

    monkeypatch.setattr(query, "search_kb", fake_search)
    page = text_of(client.get("/search?q=pasword"))
    assert 'Did you mean <a href="/search?q=password&amp;area=kb">password</a>?' in page


def test_the_query_is_escaped(client, content):
    page = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


def test_other_pages_have_the_header_search_box(client):
    page = client.get("/kb").get_data(as_text=True)
    assert '<form class="search-box" role="search" method="get" action="/search">' in page
    assert 'name="q"' in page


def test_suggest_returns_at_most_five_visible_pages_and_is_not_cached(client, content):
    response = client.get("/search/suggest?q=sync")
    assert response.headers["Cache-Control"] == "no-store"
    results = response.get_json()["results"]
    assert len(results) == 5
    assert set(results[0]) == {"title", "url", "book"}
    assert all(r["book"] == "User Guide" for r in results)
    assert all(re.fullmatch(r"/kb/pages/\d+-sync-topic-\d\d", r["url"]) for r in results)
    assert client.get(results[0]["url"]).status_code == 200


def test_suggest_ignores_very_short_input(client, content):
    assert client.get("/search/suggest?q=sy").get_json() == {"results": []}
    assert client.get("/search/suggest").get_json() == {"results": []}


def test_tags_named_like_a_search_word_are_offered(app, client, content):
    with app.app_context():
        # Only tags on something a customer may see are offered: "Sync" labels a
        # public page, "billing" nothing.
        visible = db.session.execute(db.select(Page).where(Page.name == "Sync topic 00")).scalar_one()
        visible.tags.append(Tag(name="Sync"))
        db.session.add(Tag(name="billing"))
        db.session.commit()
    page = text_of(client.get("/search?q=sync+problems"))
    related = page.split('id="related-tags-heading"')[1].split("</section>")[0]
    assert re.search(r'href="/tags/\d+-sync">Sync</a>', related) and "billing" not in related
    assert "Related tags" not in text_of(client.get("/search?q=zebra"))


def test_an_estimated_total_says_about(client, monkeypatch):
    from portal.search import query
    from portal.search.query import Results

    def estimated(q, **kwargs):
        return Results([], 1234, kwargs.get("page", 1), kwargs.get("per_page", 20), query=q, total_is_estimate=True)

    monkeypatch.setattr(query, "search_kb", estimated)
    html = client.get('/search?q="install+guide"&area=kb').get_data(as_text=True)
    assert "About 50 results" in html  # capped at max_search_results, as HelpSpot does
