"""A benchmark corpus written with bulk inserts: requests with four notes each, KB books of pages, and
forum topics whose post_count and last_post_at agree with their posts.

``SIZES["large"]`` is the issue's corpus (10,000 requests, 5,000 KB pages, 100,000 forum posts);
``SIZES["small"]`` is the same shape at 1/100, for the "same page at 1,000 and 100,000 rows" check."""
import random
import string
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, text

from portal.text import slugify

SIZES = {
    "small": {"requests": 100, "pages": 50, "posts": 1_000},
    "large": {"requests": 10_000, "pages": 5_000, "posts": 100_000},
}
NOTES_PER_REQUEST = 4
POSTS_PER_TOPIC = 10
PAGES_PER_CHAPTER = 10
CHAPTERS_PER_BOOK = 10
FORUMS = 10
TAGS = 100
TAGS_PER_PAGE = 3
BATCH = 5_000
START = datetime(2025, 1, 1)

WORDS = ("printer invoice password login account email attachment report error update server network backup "
         "license install upgrade screen browser mobile export import invoice payment refund shipping order "
         "delivery calendar sync timeout permission access folder document template settings profile "
         "notification reminder schedule meeting storage quota archive restore").split()
SEARCH_WORD = "printer"
CUSTOMER = ("c1@example.com", "bench-customer-password")
STAFF = ("agent@bench.test", "bench-staff-password")


@dataclass
class Corpus:
    """What the benchmark needs to find its pages again."""

    size: str
    counts: dict
    seconds: float
    kb_page: tuple[int, str]
    topic: tuple[int, str]
    access_key: str
    book_id: int
    # Every URL the crowd rows may ask for (bench.crowd), and the accounts the logged-in rows use.
    pages: list = field(default_factory=list)  # (id, slug) of every page
    topics: list = field(default_factory=list)  # (id, slug) of every topic
    access_keys: list = field(default_factory=list)  # of every request
    customer: tuple = ("", "")  # (email, password) of a customer with requests
    staff: tuple = ("", "")  # (email, password) of an agent
    request_ids: list = field(default_factory=list)


def _sentence(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(_sentence(rng) for _ in range(4)) for _ in range(count)]


def _bulk(session, model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(model), rows[start:start + BATCH])


def build(app, size: str, seed: int = 7) -> Corpus:
    """Create the schema with the real migrations, then fill it. The database must be empty."""
    from flask_migrate import upgrade

    from portal.accounts.models import Customer, Staff, hash_password
    from portal.extensions import db
    from portal.forums.models import Forum, Post, Topic
    from portal.kb.models import Book, Chapter, Page, Tag, page_tag
    from portal.requests.models import Note, Request
    from portal.settings import Setting

    counts = SIZES[size]
    rng = random.Random(seed)
    paragraphs = _paragraphs(rng, 400)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        session = db.session
        session.add(Setting(key="public_api", value="true"))
        # The logged-in rows: a customer whose address sent some of the requests, and an administrator.
        session.add(Customer(email=CUSTOMER[0], password_hash=hash_password(CUSTOMER[1]),
                             email_confirmed_at=START))
        session.add(Staff(email=STAFF[0], first_name="Bench", last_name="Agent", role="agent",
                          password_hash=hash_password(STAFF[1])))

        requests, notes, note_id = [], [], 0
        for rid in range(1, counts["requests"] + 1):
            opened = START + timedelta(minutes=rid * 7)
            password = "".join(rng.choice(string.ascii_letters) for _ in range(20))
            requests.append({"id": rid, "password": password, "title": _sentence(rng, 6)[:255],
                             "first_name": "Pat", "last_name": f"Customer{rid}", "email": f"c{rid % 2000}@example.com",
                             "opened_at": opened, "updated_at": opened + timedelta(hours=NOTES_PER_REQUEST)})
            for n in range(NOTES_PER_REQUEST):
                note_id += 1
                notes.append({"id": note_id, "request_id": rid, "author_id": 0 if n % 2 == 0 else 1,
                              "is_initial": n == 0, "is_public": True, "created_at": opened + timedelta(hours=n),
                              "body": rng.choice(paragraphs)})
        _bulk(session, Request, requests)
        _bulk(session, Note, notes)

        n_pages = counts["pages"]
        n_chapters = max(1, n_pages // PAGES_PER_CHAPTER)
        n_books = max(1, n_chapters // CHAPTERS_PER_BOOK)
        _bulk(session, Book, [{"id": b, "name": f"Book {b}", "position": b} for b in range(1, n_books + 1)])
        _bulk(session, Chapter, [{"id": c, "book_id": (c - 1) % n_books + 1, "name": f"Chapter {c}", "position": c}
                                 for c in range(1, n_chapters + 1)])
        pages = []
        for pid in range(1, n_pages + 1):
            body = "".join(f"<p>{rng.choice(paragraphs)}</p>" for _ in range(5))
            pages.append({"id": pid, "chapter_id": (pid - 1) % n_chapters + 1, "name": f"{_sentence(rng, 5)[:-1]} {pid}",
                          "body": body, "position": pid, "highlight": pid % 250 == 1, "helpful": pid % 17})
        _bulk(session, Page, pages)
        # Tags for the home page's tag cloud (an aggregate over page_tag): TAGS_PER_PAGE distinct tags a page.
        n_tags = min(TAGS, n_pages)
        _bulk(session, Tag, [{"id": t, "name": f"{WORDS[t % len(WORDS)]}-{t}"} for t in range(1, n_tags + 1)])
        _bulk(session, page_tag, [{"page_id": pid, "tag_id": (pid * 7 + k * 13) % n_tags + 1}
                                  for pid in range(1, n_pages + 1) for k in range(TAGS_PER_PAGE)])

        _bulk(session, Forum, [{"id": f, "name": f"Forum {f}", "position": f} for f in range(1, FORUMS + 1)])
        n_topics = max(1, counts["posts"] // POSTS_PER_TOPIC)
        topics, posts, post_id = [], [], 0
        for tid in range(1, n_topics + 1):
            first = START + timedelta(minutes=tid * 3)
            times = [first + timedelta(minutes=5 * k) for k in range(POSTS_PER_TOPIC)]
            topics.append({"id": tid, "forum_id": (tid - 1) % FORUMS + 1, "title": _sentence(rng, 6)[:200],
                           "starter_name": f"user{tid % 500}", "posted_at": first,
                           "post_count": POSTS_PER_TOPIC, "last_post_at": times[-1]})
            for when in times:
                post_id += 1
                posts.append({"id": post_id, "topic_id": tid, "posted_at": when, "name": f"user{post_id % 500}",
                              "body": f"<p>{rng.choice(paragraphs)}</p>"})
        _bulk(session, Topic, topics)
        _bulk(session, Post, posts)
        if db.engine.dialect.name == "postgresql":
            for table in ("request", "note", "book", "chapter", "page", "tag", "forum", "topic", "post"):
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM \"{table}\"))"))
        session.commit()
        # Statistics, as a loaded database has them: without, PostgreSQL's planner takes a 5,000-page table
        # for empty and walks it for a page's related pages (13 ms a cold KB page instead of 3.5). Production
        # servers get them from autovacuum; this machine's PostgreSQL runs with autovacuum off.
        session.execute(text("ANALYZE"))
        session.commit()
        middle_page = pages[len(pages) // 2]
        middle_topic = topics[len(topics) // 2]
        middle_request = requests[len(requests) // 2]
        return Corpus(size=size, counts={"requests": len(requests), "notes": len(notes), "pages": len(pages),
                                         "tags": n_tags,
                                         "topics": len(topics), "posts": len(posts)},
                      seconds=time.perf_counter() - started,
                      kb_page=(middle_page["id"], slugify(middle_page["name"])),
                      topic=(middle_topic["id"], slugify(middle_topic["title"])),
                      access_key=f"{middle_request['id']}{middle_request['password']}",
                      book_id=1,
                      pages=[(p["id"], slugify(p["name"])) for p in pages],
                      topics=[(t["id"], slugify(t["title"])) for t in topics],
                      access_keys=[f"{r['id']}{r['password']}" for r in requests],
                      customer=CUSTOMER, staff=STAFF, request_ids=[r["id"] for r in requests])
