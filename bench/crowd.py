"""The rows that read the way a crowd reads (issue 17), beside ``portal_targets``' one-URL rows.

- **crowd**: Zipf-distributed reads (s = 1.1) over every KB page and forum topic of the corpus, ranked in a
  shuffled order (so rank does not follow id), and distinct URLs asked in turn: KB pages, topics, request
  pages by access key, search queries, ``request.get`` by key. In turn means one counter shared by the
  client threads and kept across rounds: a later round asks for URLs no earlier round asked for, until the
  list wraps (the small corpus has only 50 pages and 100 topics, so there it wraps within a round).
- **cold**: the same distinct URLs on a second server of the same corpus with the page cache off
  (``PAGE_CACHE_ENTRIES=0``): what a page costs to render.
- **logged-in**: a customer reading KB pages and their request list, a staff member's queue and a request's
  page; each client thread logs in once (not timed) and keeps its cookies.
"""
import random
from urllib.parse import urlencode

from .corpus import WORDS
from .load import Target, form_login

ZIPF_S = 1.1
DISTINCT = {"kb page": 3_000, "topic": 3_000, "request": 2_000, "search": 2_000, "request.get": 2_000}


def _spread(items: list, count: int, seed: int) -> list:
    """``count`` items (all of them when fewer), in a fixed shuffled order."""
    chosen = list(items)
    random.Random(seed).shuffle(chosen)
    return chosen[:count]


def _search_queries(count: int) -> list[str]:
    words = sorted(set(WORDS))
    pairs = [f"{a} {b}" for a in words for b in words if a != b]
    return _spread(pairs, count, 17)


def crowd_targets(corpus) -> list[Target]:
    kb = [f"/kb/pages/{pid}-{slug}" for pid, slug in corpus.pages]
    topics = [f"/forums/topics/{tid}-{slug}" for tid, slug in corpus.topics]
    zipf = tuple(_spread(kb + topics, len(kb) + len(topics), 11))
    distinct = {
        "kb page": tuple(_spread(kb, DISTINCT["kb page"], 1)),
        "topic": tuple(_spread(topics, DISTINCT["topic"], 2)),
        "request": tuple(f"/requests/{key}" for key in _spread(corpus.access_keys, DISTINCT["request"], 3)),
        "search": tuple("/search?" + urlencode({"q": q}) for q in _search_queries(DISTINCT["search"])),
        "request.get": tuple("/api/index.php?" + urlencode({"method": "request.get", "accesskey": key,
                                                            "output": "json"})
                             for key in _spread(corpus.access_keys, DISTINCT["request.get"], 4)),
    }
    kb_get_page = tuple("/api/index.php?" + urlencode({"method": "kb.getPage", "xPage": pid})
                        for pid, _ in _spread(corpus.pages, DISTINCT["kb page"], 5))
    targets = [Target("crowd: Zipf over KB pages and topics", zipf[0], paths=zipf, order="zipf", zipf_s=ZIPF_S,
                      group="crowd")]
    targets += [Target(f"crowd: distinct {name}", paths[0], paths=paths, group="crowd")
                for name, paths in distinct.items()]
    cold = {**{k: v for k, v in distinct.items() if k != "search"}, "kb.getPage": kb_get_page}
    targets += [Target(f"cold: {name}", paths[0], paths=paths, group="cold", server="cold")
                for name, paths in cold.items()]
    customer = form_login("/account/login", *corpus.customer, expect="/account/requests")
    staff = form_login("/staff/login", *corpus.staff, expect="/staff")
    staff_requests = tuple(f"/staff/requests/{rid}" for rid in _spread(corpus.request_ids, 2_000, 6))
    targets += [
        Target("logged-in: customer reads KB pages", distinct["kb page"][0], paths=distinct["kb page"],
               login=customer, group="logged-in"),
        Target("logged-in: customer's request list", "/account/requests", login=customer, group="logged-in"),
        Target("logged-in: staff queue", "/staff/requests", login=staff, group="logged-in"),
        Target("logged-in: staff request page", staff_requests[0], paths=staff_requests, login=staff,
               group="logged-in"),
    ]
    return targets
