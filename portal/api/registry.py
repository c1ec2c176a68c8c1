"""API method names mapped to their functions, with each method's parameter spec.

Methods declare their parameters here and receive a ``Params``; the dispatcher checks the required ones
(one error 101 per missing parameter, in parameter order) before the method runs.
"""
import base64
import binascii
import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import overload

from ..errors import ValidationFailed
from ..files import Upload
from ..search import index_versions

MAX_FILES = 9
INT_LIMIT = 2**31  # PostgreSQL INTEGER holds -2**31 .. 2**31 - 1
_CUSTOM = re.compile(r"^Custom([0-9]{1,10})$")  # not \d: it takes "١"


@dataclass(frozen=True)
class Method:
    name: str
    func: Callable
    root: str                      # XML root element of the result
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    on_missing: int | None = None  # HelpSpot's companion error after the 101s (206, 102, 210)
    # A read whose reply may be kept for anonymous callers (portal.pagecache): Params -> (scopes, vary),
    # or None for a call that must run.
    cache: Callable | None = None

    @property
    def private(self) -> bool:
        return self.name.startswith("private")


REGISTRY: dict[str, Method] = {}


def api_method(name: str, root: str, *, required=(), optional=(), on_missing=None, cache=None):
    def register(func):
        REGISTRY[name] = Method(name, func, root, tuple(required), tuple(optional), on_missing, cache)
        return func
    return register


def kept(*scopes: str):
    """``cache=`` for a method whose reply depends on these scopes' rows alone."""
    return lambda params: (scopes, None)


def searched(kind: str):
    """``cache=`` for a search of one index: its rows' scope, and the index's current version."""
    def scopes(params):
        version = index_versions(kind)
        return ((kind,), version) if version is not None else None
    return scopes


def lookup(name: str) -> Method | None:
    from . import methods  # noqa: F401  (registers every method; the methods import this module: a cycle)

    return REGISTRY.get(name or "")


class Params:
    """The call's parameters, merged from the query string and the body (the body wins).

    A value that is blank after trimming counts as absent, as if it were not sent. Values are not tag-stripped:
    HelpSpot's FILTER_SANITIZE_STRING on query values loses data (passwords, notes with ``<``) and every
    value here is either validated, escaped on output or cleaned by the service that stores it."""

    def __init__(self, values: dict[str, str], staff=None):
        self.values = values
        self.staff = staff

    def has(self, name: str) -> bool:
        return bool((self.values.get(name) or "").strip())

    def get(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        return value if value is not None and value.strip() else default

    def text(self, name: str, default: str = "") -> str:
        return self.get(name, default).strip()

    # ``int`` below names this method inside the class, so the annotations say ``builtins.int``.
    @overload
    def int(self, name: str) -> builtins.int | None: ...
    @overload
    def int(self, name: str, default: builtins.int) -> builtins.int: ...

    def int(self, name: str, default: builtins.int | None = None) -> builtins.int | None:
        """A whole number within INTEGER range (ids, flags, offsets, unix times are INT in HelpSpot);
        anything else counts as not given: past the range it would reach a query and fail there."""
        raw = self.text(name)
        if not re.fullmatch(r"-?[0-9]{1,10}", raw) or not -INT_LIMIT <= int(raw) < INT_LIMIT:  # \d takes "١٢"
            return default
        return int(raw)

    def id(self, name: str) -> builtins.int:
        """A required id: a value that is not a number finds nothing (id 0)."""
        value = self.int(name, 0)
        return value if value and value > 0 else 0

    def flag(self, name: str, default: bool = False) -> bool:
        if not self.has(name):
            return default
        return self.text(name).lower() not in ("0", "false", "no", "off")

    def missing(self, names) -> list[str]:
        return [name for name in names if not self.has(name)]

    def custom(self) -> dict[builtins.int, str]:
        """``Custom<id>`` values by field id."""
        values = {}
        for name, value in self.values.items():
            match = _CUSTOM.match(name)
            if match and value is not None and value.strip():
                values[int(match.group(1))] = value
        return values

    def uploads(self) -> list[Upload]:
        """``File<N>_sFilename``/``_sFileMimeType``/``_bFileBody`` for N in 1..9, body base64.
        A file is taken only when all three are given, as in HelpSpot. Raises ValidationFailed for bad base64."""
        uploads = []
        for number in range(1, MAX_FILES + 1):
            prefix = f"File{number}_"
            name, mime, body = (self.get(prefix + part) for part in ("sFilename", "sFileMimeType", "bFileBody"))
            if not (name.strip() and mime.strip() and body.strip()):
                continue
            uploads.append(Upload(filename=name.strip(), data=_decode(body, prefix + "bFileBody"),
                                  mime_type=mime.strip()))
        return uploads


def _decode(body: str, name: str) -> bytes:
    compact = re.sub(r"\s+", "", body)
    compact += "=" * (-len(compact) % 4)
    altchars = b"-_" if ("-" in compact or "_" in compact) else None
    try:  # strict: garbage must not become a silently empty file
        return base64.b64decode(compact, altchars=altchars, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed((name, f"{name} is not valid base64")) from None
