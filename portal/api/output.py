"""The three reply formats of the HelpSpot API, each fed by the same plain data structure.

A method's result is built from dicts (ordered elements), lists (repeated elements, a JSON array) and
``KeyedList`` (repeated elements that JSON renders as an object keyed by the id string, as HelpSpot's PHP
arrays keyed by database id do). Scalars are strings already (``shapes.row`` converts them), except the
integer error ``id``; ``None`` is an empty element / JSON null. ``NOT_FOUND`` is HelpSpot's ``false`` result.
"""
import json
import re
from dataclasses import dataclass, field

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# HelpSpot serves PHP's serialize() as text/html, which a browser renders: a string the caller chose would run
# as a page of the portal. text/plain (with nosniff, see dispatch) is read by PHP clients the same way.
CONTENT_TYPES = {"xml": "text/xml", "json": "application/json;", "php": "text/plain; charset=UTF-8"}
FORMATS = tuple(CONTENT_TYPES)


@dataclass
class KeyedList:
    """Items keyed by database id: repeated elements in XML, ``{"<id>": item}`` in JSON, ``i:<id>`` in PHP."""

    items: list[tuple[int, object]] = field(default_factory=list)

    def add(self, key: int, item) -> None:
        self.items.append((int(key), item))

    def __len__(self) -> int:
        return len(self.items)


class _NotFound:
    """HelpSpot's ``false`` result (a KB or forum object that does not exist): ``<root />``, JSON ``false``."""

    def __repr__(self) -> str:
        return "NOT_FOUND"


NOT_FOUND = _NotFound()


def pick_format(raw: str | None) -> str:
    """``json`` and ``php`` are chosen by name; any other value or none means XML, as in HelpSpot."""
    raw = (raw or "").strip().lower()
    return raw if raw in ("json", "php") else "xml"


def render(fmt: str, root: str, data) -> tuple[str, str]:
    """(body, content type) for a result under the XML root element ``root``."""
    body = {"xml": to_xml, "json": to_json, "php": to_php}[fmt](root, data)
    return body, CONTENT_TYPES[fmt]


# --- XML (PEAR XML_Serializer in "simplexml" mode: tabs, repeated elements, no CDATA) ------------

_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"})
# Characters XML 1.0 cannot carry even escaped (NUL and other C0 controls, lone surrogates, U+FFFE/U+FFFF):
# dropped, or one such character sent by a caller would make every later reply that echoes it unparseable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else ""
    return _NOT_XML.sub("", str(value)).translate(_XML_ESCAPES)


def _is_empty(value) -> bool:
    return value is None or value is NOT_FOUND or value == "" or value is False or (
        isinstance(value, (dict, list, KeyedList)) and len(value) == 0)


def _element(tag: str, value, depth: int, out: list[str]) -> None:
    pad = "\t" * depth
    if isinstance(value, (list, KeyedList)):
        items = [item for _, item in value.items] if isinstance(value, KeyedList) else value
        if not items:
            out.append(f"{pad}<{tag} />")
        for item in items:
            _element(tag, item, depth, out)
        return
    if _is_empty(value):
        out.append(f"{pad}<{tag} />")
    elif isinstance(value, dict):
        out.append(f"{pad}<{tag}>")
        for key, child in value.items():
            _element(key, child, depth + 1, out)
        out.append(f"{pad}</{tag}>")
    else:
        out.append(f"{pad}<{tag}>{_text(value)}</{tag}>")


def to_xml(root: str, data) -> str:
    out = [XML_DECLARATION]
    if _is_empty(data):
        out.append(f"<{root} />")
    elif isinstance(data, dict):
        out.append(f"<{root}>")
        for key, child in data.items():
            _element(key, child, 1, out)
        out.append(f"</{root}>")
    else:
        out.append(f"<{root}>{_text(data)}</{root}>")
    return "\n".join(out)


# --- JSON (PHP json_encode with default flags: escaped slashes, \\uXXXX, compact) ----------------

def _plain(value):
    if value is NOT_FOUND:
        return False
    if isinstance(value, KeyedList):
        return {str(key): _plain(item) for key, item in value.items} if value.items else []
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()} if value else []
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def to_json(root: str, data) -> str:
    return json.dumps(_plain(data), ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


# --- PHP serialize() ----------------------------------------------------------------------------

def _php_key(key) -> str:
    # PHP turns a decimal-integer string key into an integer key.
    # isascii(): isdigit() alone is true for "²", which int() refuses.
    if isinstance(key, int) or (isinstance(key, str) and key.isascii() and key.isdigit()
                                and (key == "0" or key[0] != "0")):
        return f"i:{int(key)};"
    return _php_string(str(key))


def _php_string(value: str) -> str:
    return f's:{len(value.encode("utf-8"))}:"{value}";'


def _php(value) -> str:
    if value is None:
        return "N;"
    if value is NOT_FOUND or isinstance(value, bool):
        return f"b:{1 if value is True else 0};"
    if isinstance(value, int):
        return f"i:{value};"
    if isinstance(value, float):
        return f"d:{value!r};"
    if isinstance(value, KeyedList):
        pairs = value.items
    elif isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = list(enumerate(value))
    else:
        return _php_string(str(value))
    inner = "".join(_php_key(key) + _php(item) for key, item in pairs)
    return f"a:{len(pairs)}:{{{inner}}}"


def to_php(root: str, data) -> str:
    return _php(data)
