"""Search benchmark: generate a corpus, time a full reindex, then time queries (p50/p95 per kind).

    .venv/bin/python -m bench.search                       # 100,000 posts + 5,000 pages
    .venv/bin/python -m bench.search --posts 10000 --pages 500 --queries 50   # a quick look
    .venv/bin/python -m bench.search --reuse FOLDER --cold  # no posting list decoded before any query
    .venv/bin/python -m bench.search --languages en,de      # every page also in German: kb and kb-de indexed

Works in a temporary folder (SQLite database + index) that is deleted afterwards (--keep to keep it).
Not a test: figures depend on the machine and its load; record them in bench/README.md.
"""
import argparse
import functools
import os
import random
import shutil
import statistics
import tempfile
import time

SYLLABLES = ("ka te ri mo na lu pe so vi da ro mi ne ta lo be ku sa fi go ra de to ma li no pu se".split())
COMMON = ("printer password login account invoice email router network error update install reset server "
          "backup license screen driver browser mobile report export import connection timeout setting "
          "profile payment refund upgrade crash slow sync folder permission").split()


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words = list(COMMON)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def sentence_maker(words: list[str], rng: random.Random):
    # Zipf-like: word i is drawn with weight 1/(i+1), as in natural text.
    weights = [1 / (rank + 1) for rank in range(len(words))]
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)

    def text(count: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cumulative, k=count))
    return text


def build_corpus(app, posts: int, pages: int, rng: random.Random, insert: bool = True) -> tuple[list[str], list[str]]:
    """Rows inserted in bulk (no ORM objects, so no index hooks); returns the vocabulary and sample texts.
    With ``insert=False`` the same texts are drawn (so the same queries follow) but nothing is written."""
    from portal.extensions import db
    from portal.forums.models import Forum, Post, Topic
    from portal.kb.models import Book, Chapter, Page

    words = vocabulary(5000, rng)
    text = sentence_maker(words, rng)
    samples = []
    if not insert:
        db = _NoWrites()
    with app.app_context():
        db.create_all()
        books = max(1, pages // 100)
        db.session.execute(db.insert(Book), [dict(id=b + 1, name=f"{text(2)} book", private=b % 10 == 9)
                                             for b in range(books)])
        db.session.execute(db.insert(Chapter), [dict(id=c + 1, book_id=c // 10 + 1, name=text(2).title(),
                                                     hidden=c % 25 == 24) for c in range(books * 10)])
        rows = []
        for p in range(pages):
            body = "<p>" + text(rng.randint(80, 250)) + "</p><p>" + text(rng.randint(20, 80)) + "</p>"
            rows.append(dict(id=p + 1, chapter_id=p % (books * 10) + 1, name=text(rng.randint(2, 6)).capitalize(),
                             body=body, visibility="private" if p % 50 == 49 else "public"))
            if p % 50 == 0:
                samples.append(body)
        db.session.execute(db.insert(Page), rows)
        forums, topics = 20, max(1, posts // 10)
        db.session.execute(db.insert(Forum), [dict(id=f + 1, name=f"{text(1).title()} forum", private=f % 10 == 9)
                                              for f in range(forums)])
        db.session.execute(db.insert(Topic), [
            dict(id=t + 1, forum_id=t % forums + 1, title=text(rng.randint(3, 8)), starter_name="bench",
                 post_count=10) for t in range(topics)])
        for start in range(0, posts, 10000):
            rows = []
            for p in range(start, min(posts, start + 10000)):
                body = "<p>" + text(rng.randint(15, 90)) + "</p>"
                rows.append(dict(id=p + 1, topic_id=p % topics + 1, name="bench", body=body, spam=p % 100 == 99))
                if p % 500 == 0:
                    samples.append(body)
            db.session.execute(db.insert(Post), rows)
        db.session.commit()
    return words, samples


class _NoWrites:
    """Stands in for the database when a kept corpus is re-used: the rows are generated, not written."""

    class session:
        execute = commit = staticmethod(lambda *args, **kwargs: None)

    create_all = staticmethod(lambda: None)
    insert = staticmethod(lambda model: None)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def make_queries(words, samples, rng, count):
    import re

    from portal.text import strip_tags

    mid = words[:600]  # words people actually type: common to fairly rare
    bigrams = []
    for sample in samples:
        tokens = re.findall(r"\w+", strip_tags(sample))
        bigrams += [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return {
        "one word": [rng.choice(mid) for _ in range(count)],
        "two words": [f"{rng.choice(mid)} {rng.choice(mid)}" for _ in range(count)],
        "phrase": [f'"{rng.choice(bigrams)}"' for _ in range(count)],
        "prefix": [f"{rng.choice(mid)} {w[:max(3, len(w) - 2)]}" for w in rng.sample(mid, min(count, len(mid)))],
        # What the request form sends while a customer types: a few words and an unfinished one.
        "suggest": [f"{rng.choice(mid)} {rng.choice(mid)} {w[:max(3, len(w) - 2)]}"
                    for w in rng.sample(mid, min(count, len(mid)))],
        # A misspelt word (one letter changed) that matches nothing: the forgiving retry runs.
        "fuzzy": [misspelt(rng.choice([w for w in mid if len(w) >= 5]), set(words), rng) for _ in range(count)],
    }


GERMAN_ENDINGS = ("", "", "e", "en", "er", "ern", "es")


def german_words(words: list[str]) -> list[str]:
    """A second language's vocabulary: the same Zipf ranks, other words ("printer" -> "printerung")."""
    return [f"{word}ung" if rank % 3 == 0 else f"ge{word}" for rank, word in enumerate(words)]


def build_translations(app, pages: int, words: list[str], rng: random.Random, insert: bool = True) -> list[str]:
    """A German translation of every page, words inflected with German endings (what the Snowball stemmer
    takes off again); returns sample bodies (for phrases)."""
    from portal.extensions import db
    from portal.kb.models import PageTranslation

    german = german_words(words)
    plain = sentence_maker(german, rng)

    def text(count: int) -> str:
        return " ".join(word + rng.choice(GERMAN_ENDINGS) for word in plain(count).split())

    samples, rows = [], []
    for p in range(pages):
        body = "<p>" + text(rng.randint(80, 250)) + "</p><p>" + text(rng.randint(20, 80)) + "</p>"
        rows.append(dict(page_id=p + 1, language="de", title=text(rng.randint(2, 6)).capitalize(),
                         slug=f"seite-{p + 1}", body=body))
        if p % 50 == 0:
            samples.append(body)
    if insert:
        with app.app_context():
            for start in range(0, len(rows), 5000):
                db.session.execute(db.insert(PageTranslation), rows[start:start + 5000])
            db.session.commit()
    return samples


def inflected(queries: dict, rng: random.Random) -> dict:
    """German queries: each word typed with a German ending, the phrases as they stand in the text."""
    def one(text: str) -> str:
        if text.startswith('"'):
            return text
        words = text.split()
        return " ".join([*(w + rng.choice(GERMAN_ENDINGS) for w in words[:-1]), words[-1]])
    return {kind: [one(text) for text in texts] for kind, texts in queries.items()}


def misspelt(word: str, known: set[str], rng: random.Random) -> str:
    while True:
        at = rng.randrange(1, len(word))
        changed = word[:at] + rng.choice("qxzjw") + word[at + 1:]
        if changed not in known:
            return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200, help="queries per kind and area")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--only", help="comma-separated query kinds to time (default: all)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--reuse", metavar="FOLDER",
                        help="a folder kept by --keep with the same options: time the queries only")
    parser.add_argument("--cold", action="store_true",
                        help="before each query, forget every decoded posting list and close the kept searchers: "
                             "each query is the first one of its words since the process started")
    parser.add_argument("--languages", default="en",
                        help="the site's languages: with en,de every page also has a German translation, "
                             "indexed in kb-de with the German stemmer, and German queries are timed too")
    parser.add_argument("--new-searcher", action="store_true",
                        help="close the kept searchers before each query, as a commit does: scores and hidden "
                             "documents are worked out again, the segments' decoded postings are kept")
    args = parser.parse_args()

    folder = args.reuse or tempfile.mkdtemp(prefix="portico-bench-search-")
    os.environ.setdefault("INSTANCE_PATH", folder)
    from portal import create_app
    from portal.deflection.suggestions import best
    from portal.search.cli import rebuild
    from portal.search.postings import DECODED
    from portal.search.query import FEW, search_forums, search_kb, suggest_pages

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.db",
                      "SEARCH_INDEX_DIR": f"{folder}/index", "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    rng = random.Random(args.seed)
    try:
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
        started = time.perf_counter()
        words, samples = build_corpus(app, args.posts, args.pages, rng, insert=not args.reuse)
        german = "de" in args.languages.split(",")[1:]
        if german:
            german_samples = build_translations(app, args.pages, words, rng, insert=not args.reuse)
        print(f"corpus: {args.posts} posts, {args.pages} pages{' (and in German)' if german else ''} generated "
              f"in {time.perf_counter() - started:.1f}s")

        with app.app_context():
            from portal import settings
            from portal.extensions import db

            settings.set_value("languages", args.languages)
            db.session.commit()
            total_docs, total_time, total_cpu = 0, 0.0, 0.0
            for kind in () if args.reuse else ("kb", "forums", *(("kb-de",) if german else ())):
                started, cpu = time.perf_counter(), time.process_time()
                count = rebuild(kind)
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                total_docs, total_time, total_cpu = total_docs + count, total_time + elapsed, total_cpu + cpu
                print(f"reindex {kind:7}: {count:7d} documents in {elapsed:6.1f}s wall, {cpu:6.1f}s CPU "
                      f"({count / elapsed:6.0f} docs/s wall)")
            if not args.reuse:
                print(f"reindex total : {total_docs:7d} documents in {total_time:6.1f}s wall, {total_cpu:6.1f}s CPU "
                      f"({total_docs / total_time:6.0f} docs/s), load average {os.getloadavg()[0]:.2f}")

            queries = make_queries(words, samples, rng, args.queries)
            functions = {"kb": search_kb, "forums": search_forums}
            plans = {area: queries for area in functions}
            suggesters = {"kb": suggest_pages}
            if german:
                functions["kb-de"] = functools.partial(search_kb, language="de")
                suggesters["kb-de"] = functools.partial(suggest_pages, language="de")
                plans["kb-de"] = inflected(make_queries(german_words(words), german_samples, rng, args.queries), rng)
            for function in functions.values():  # warm the OS cache
                function(words[0])
            print(f"{'query':22} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu/q ms':>8} "
                  f"{'cpu p95':>8} {'avg hits':>9} {'estimated':>9}")
            for kind, texts in queries.items():
                if args.only and kind not in args.only.split(","):
                    continue
                for area, function in functions.items():
                    if kind in ("prefix", "suggest") and area == "forums" or kind == "suggest" and area == "kb-de":
                        continue
                    texts = plans[area][kind]
                    timings, cpus, hits, estimated, cpu = [], [], [], 0, time.process_time()
                    for text in texts:
                        if args.cold:
                            DECODED.clear()
                        if args.cold or args.new_searcher:
                            app.extensions["portico_search"].close()
                        started, started_cpu = time.perf_counter(), time.process_time()
                        if kind == "prefix":
                            hits.append(len(suggesters[area](text)))
                        elif kind == "suggest":  # pages and topics together, as /help/suggest answers
                            with app.test_request_context():
                                hits.append(len(best(text)))
                        elif kind == "fuzzy":  # "estimated" counts the searches the retry answered
                            results = function(text, forgive=FEW)
                            hits.append(results.total)
                            estimated += results.typed is not None
                        else:
                            results = function(text)
                            hits.append(results.total)
                            estimated += getattr(results, "total_is_estimate", False)
                        timings.append((time.perf_counter() - started) * 1000)
                        cpus.append((time.process_time() - started_cpu) * 1000)
                    cpu = (time.process_time() - cpu) * 1000 / len(texts)
                    label = f"{kind} ({'suggest' if kind == 'prefix' else 'pages+topics' if kind == 'suggest' else area})"
                    label = f"{kind} ({'suggest ' if kind == 'prefix' else ''}de)" if area == "kb-de" else label
                    print(f"{label:22} {len(timings):4d} {statistics.median(timings):8.1f} "
                          f"{percentile(timings, 0.95):8.1f} {max(timings):8.1f} {cpu:8.1f} {percentile(cpus, 0.95):8.1f} "
                          f"{statistics.mean(hits):9.0f} {estimated:9d}")
            print(f"load average {os.getloadavg()[0]:.2f} at the end")
    finally:
        if args.keep or args.reuse:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
