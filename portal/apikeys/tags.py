"""DeskPRO's access patterns of endpoint tags, for API keys.

A pattern is a comma-separated list of tag globs; ``*`` matches any run of characters, dots included, and
a leading ``-`` removes what it matches. A tag is allowed when some plain glob matches it and no removing
glob does, whatever their order: ``*`` (everything), ``*, -tickets.*`` (everything but tickets),
``tickets.*, -*.delete`` (tickets, without deleting), ``tickets.tickets.list`` (listing tickets only).

Tags name an endpoint as ``<area>.<resource>.<action>``, e.g. ``tickets.tickets.list``,
``people.people.get``; the HelpSpot API's methods are ``helpspot.<method name>``.
"""
import re
from functools import lru_cache

MAX_PATTERN = 500
_GLOB = re.compile(r"^-?[A-Za-z0-9_.*]+$")


def parse(pattern: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(allowing globs, removing globs). An empty pattern allows everything, as a new key in DeskPRO."""
    allow: list[str] = []
    deny: list[str] = []
    for part in (pattern or "").split(","):
        part = part.strip()
        if not part:
            continue
        (deny if part.startswith("-") else allow).append(part.lstrip("-").strip())
    if not allow and not deny:
        allow = ["*"]
    return tuple(allow), tuple(deny)


def problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be stored, or None when it is well formed."""
    if len(pattern or "") > MAX_PATTERN:
        return f"Use at most {MAX_PATTERN} characters."
    for part in (pattern or "").split(","):
        part = part.strip().replace("- ", "-")
        if part and not _GLOB.match(part):
            return (f"“{part[:40]}” is not a tag pattern: use letters, digits, dots and * "
                    "(e.g. “*, -tickets.*” or “tickets.tickets.list”).")
    return None


@lru_cache(maxsize=512)
def _compiled(glob: str) -> re.Pattern:
    return re.compile("^" + ".*".join(re.escape(piece) for piece in glob.split("*")) + "$")


def allows(pattern: str, tag: str) -> bool:
    """Whether a key with access pattern ``pattern`` may use an endpoint tagged ``tag``."""
    allow, deny = parse(pattern)
    return (any(_compiled(glob).match(tag) for glob in allow)
            and not any(_compiled(glob).match(tag) for glob in deny))
