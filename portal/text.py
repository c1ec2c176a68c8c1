"""Text and HTML helpers.

Two barriers keep user HTML inert:

- On write, every body of user HTML goes through ``clean_html``: bleach, with the allow-lists below. Only
  staff write HTML (KB pages, notes, post edits); customers' and forum visitors' text is plain and is escaped
  and linked by ``plain_to_html``. Bodies are capped in size when written (``portal.limits``).
- On display, stored HTML goes through ``inert_html`` again (defence in depth: a row written by an import or by
  hand, or before a rule changed, is still shown safely). bleach cannot do this part: it parses with html5lib,
  whose tree building is not linear (a long run of escaped text is grown by string concatenation, every tag
  re-scans the stack of open elements, misnested formatting tags are re-opened in every later block: 21 KB of
  ``<p><b class=N></p>`` took 26 s), and a page shown to everyone must not cost that. ``inert_html`` is an
  allow-list serializer with the same lists: one pass of a tokenizer that only moves forward (no regular
  expression here can backtrack over more than the token it reads), output generated from scratch (only
  allowed tags and attributes, every value quoted and escaped, every URL checked against the allowed
  protocols, all text escaped, every element closed, nesting capped at ``MAX_DEPTH``), so what a browser
  reads cannot differ from what was checked.

Everything that runs on display (``inert_html``, ``plain_to_html``, ``strip_tags``) is linear in its input: a
1.5 MB note took over 30 s to show with bleach's linkify and now takes a fraction of a second, once per worker
(``portal.templating`` remembers rendered bodies by content).
"""
import html
import re
from html.entities import html5 as _NAMED_REFERENCES

import bleach
from bleach.linkifier import TLDS
from markupsafe import Markup

ALLOWED_TAGS = [
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p", "pre", "s",
    "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
]
ALLOWED_ATTRIBUTES = {
    "*": ["class", "title"],
    "a": ["href", "title", "rel", "target"],
    "abbr": ["title"],
    "img": ["src", "alt", "title", "width", "height"],
    "td": ["colspan", "rowspan", "align"],
    "th": ["colspan", "rowspan", "align", "scope"],
    "ol": ["start", "type"],
}
ALLOWED_PROTOCOLS = ["http", "https", "mailto"]
MAX_DEPTH = 100  # deeper start tags are dropped (their text is kept)
_WS_RE = re.compile(r"\s+")
_URL_RE = re.compile(r"https?://", re.IGNORECASE)
_BLOCK_RE = re.compile(r"<(p|div|br|ul|ol|table|h[1-6]|pre|blockquote)\b", re.IGNORECASE)

_ALLOWED = frozenset(ALLOWED_TAGS)
_ATTRIBUTES = {tag: frozenset(ALLOWED_ATTRIBUTES["*"] + ALLOWED_ATTRIBUTES.get(tag, [])) for tag in ALLOWED_TAGS}
_PROTOCOLS = frozenset(ALLOWED_PROTOCOLS)
_VOID = frozenset({"br", "hr", "img"})
# Elements whose content is not markup: dropped (scripts, styles, frames) or kept as text (titles).
_DROPPED_CONTENT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes"})
_TEXT_CONTENT = frozenset({"textarea", "title"})
# Implied end tags, as browsers apply them, so that the output nests the way it will be read.
_CLOSES_P = frozenset({"blockquote", "div", "dl", "ol", "p", "ul", "pre", "table", "hr",
                       "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_P = frozenset({"p"})
_SCOPE = frozenset({"table", "td", "th", "caption"})  # most implied end tags never reach past these
_TABLE = frozenset({"table"})
_SECTIONS = frozenset({"tbody", "thead", "tfoot"})
_CLOSED_BY = {  # start tag -> (open elements it closes, the nearest one; where the search stops)
    "li": (frozenset({"li"}), _SCOPE | {"ol", "ul"}),
    "dd": (frozenset({"dd", "dt"}), _SCOPE | {"dl"}), "dt": (frozenset({"dd", "dt"}), _SCOPE | {"dl"}),
    "a": (frozenset({"a"}), _SCOPE),
    "tr": (frozenset({"tr"}), _TABLE), "td": (frozenset({"td", "th"}), _TABLE | {"tr"}),
    "th": (frozenset({"td", "th"}), _TABLE | {"tr"}),
    "tbody": (_SECTIONS, _TABLE), "thead": (_SECTIONS, _TABLE), "tfoot": (_SECTIONS, _TABLE),
}
_END_TAG_STOP = {"table": frozenset(), "tbody": _TABLE, "thead": _TABLE, "tfoot": _TABLE, "tr": _TABLE,
                 "td": _TABLE, "th": _TABLE, "caption": _TABLE}

# Tokenizer pieces. Each is matched at a position (never searched), so a failed match costs no more
# than the characters it looked at, and the position only moves forward.
# Whitespace is HTML's five characters, not Python's \s (a no-break space is part of a tag name).
_TAG_NAME = re.compile(r"[^ \t\n\r\f/>]*")
_ATTR_GAP = re.compile(r"[ \t\n\r\f/]*")
_ATTR_NAME = re.compile(r"[^ \t\n\r\f/>][^ \t\n\r\f/>=]*")
_ATTR_EQUALS = re.compile(r"[ \t\n\r\f]*=[ \t\n\r\f]*")
_UNQUOTED = re.compile(r"[^ \t\n\r\f>]*")
_COMMENT_END = re.compile(r"--!?>")
# C0 and C1 controls and DEL; not tab or line breaks.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\r\x85\u2028\u2029]+")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_REFERENCE = re.compile(r"&(#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)?")
_URL_JUNK = re.compile(r"[\x00-\x20\x7f-\xa0\s]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


def _tag(text: str, pos: int) -> tuple[str, list[tuple[str, str]], int] | None:
    """Read a tag whose name starts at ``pos`` (after ``<`` or ``</``): (name, [(attribute, value)], end),
    or None when the text ends inside the tag (a browser drops such a tag and everything after it)."""
    # Every pattern read here matches at any position the loop reaches: all but the attribute name may match
    # nothing, and the attribute name starts at a character the gap and the ">" test have left.
    end = len(text)
    match = _TAG_NAME.match(text, pos)
    assert match is not None
    name, pos = match.group().lower(), match.end()
    attributes: list[tuple[str, str]] = []
    seen: set[str] = set()
    while True:
        gap = _ATTR_GAP.match(text, pos)
        assert gap is not None
        pos = gap.end()
        if pos >= end:
            return None
        if text[pos] == ">":
            return name, attributes, pos + 1
        match = _ATTR_NAME.match(text, pos)
        assert match is not None
        attribute, pos, value = match.group().lower(), match.end(), ""
        equals = _ATTR_EQUALS.match(text, pos)
        if equals:
            pos = equals.end()
            if pos >= end:
                return None
            if text[pos] in "\"'":
                close = text.find(text[pos], pos + 1)
                if close < 0:
                    return None
                value, pos = text[pos + 1:close], close + 1
            else:
                match = _UNQUOTED.match(text, pos)
                assert match is not None
                value, pos = match.group(), match.end()
        if attribute not in seen:  # the first of repeated attributes counts, as in browsers
            seen.add(attribute)
            attributes.append((attribute, value))


def _tokens(text: str):
    """("text", str) | ("start", name, attributes) | ("end", name), in one forward pass. Comments,
    doctypes and processing instructions are dropped; so is the content of scripts and styles."""
    pos, end = 0, len(text)
    while pos < end:
        lt = text.find("<", pos)
        if lt < 0:
            yield "text", text[pos:]
            return
        if lt > pos:
            yield "text", text[pos:lt]
        following = text[lt + 1:lt + 2]
        if following.isascii() and following.isalpha():
            tag = _tag(text, lt + 1)
            if tag is None:
                return
            name, attributes, pos = tag
            yield "start", name, attributes
            if name in _DROPPED_CONTENT or name in _TEXT_CONTENT:
                closing = re.compile(rf"</{re.escape(name)}[ \t\n\r\f/>]", re.IGNORECASE).search(text, pos)
                stop = closing.start() if closing else end
                if name in _TEXT_CONTENT and stop > pos:
                    yield "text", text[pos:stop]
                pos = stop
            elif name == "plaintext":
                yield "text", text[pos:]
                return
        elif following == "/":
            after = text[lt + 2:lt + 3]
            if after.isascii() and after.isalpha():
                tag = _tag(text, lt + 2)
                if tag is None:
                    return
                yield "end", tag[0]
                pos = tag[2]
            elif after == ">":
                pos = lt + 3
            elif not after:
                yield "text", "</"
                return
            else:  # "</ x>": a bogus comment
                close = text.find(">", lt + 2)
                if close < 0:
                    return
                pos = close + 1
        elif following == "!" and text.startswith("<!--", lt):
            if text.startswith(">", lt + 4) or text.startswith("->", lt + 4):  # "<!-->", "<!--->"
                pos = lt + 5 if text[lt + 4] == ">" else lt + 6
                continue
            comment_end = _COMMENT_END.search(text, lt + 4)
            if comment_end is None:
                return
            pos = comment_end.end()
        elif following in ("!", "?"):  # doctype, CDATA, processing instruction: bogus comments
            close = text.find(">", lt + 2)
            if close < 0:
                return
            pos = close + 1
        else:
            yield "text", "<"
            pos = lt + 1


def _keep_reference(match) -> str:
    reference = match.group(1)
    if reference and (reference[0] == "#" or reference in _NAMED_REFERENCES):
        return "&" + reference
    return "&amp;" + (reference or "")


def _escape_text(text: str) -> str:
    """Text as HTML: character references kept as written, every other ``&``, ``<`` and ``>`` escaped."""
    text = _CONTROLS.sub("", text)
    if "&" in text:
        text = _REFERENCE.sub(_keep_reference, text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _escape_value(value: str) -> str:
    return html.escape(_CONTROLS.sub("", html.unescape(value)), quote=True)


def _safe_url(value: str) -> bool:
    """A URL without a scheme (relative, an anchor) or with an allowed one. Entities, control characters
    and spaces are removed first, as a browser ignores them inside ``java&#9;script:``."""
    url = _URL_JUNK.sub("", html.unescape(value)).lower()
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(1) in _PROTOCOLS


def _start_tag(name: str, attributes) -> str:
    allowed = _ATTRIBUTES[name]
    parts = [name]
    for attribute, value in attributes:
        if attribute in allowed and (attribute not in ("href", "src") or _safe_url(value)):
            parts.append(f'{attribute}="{_escape_value(value)}"')
    return "<" + " ".join(parts) + ">"


class _OpenElements:
    """The elements open in the output, innermost last, and how many of each name are open: looking for
    one that is not open costs nothing, looking for one that is costs at most MAX_DEPTH steps."""

    def __init__(self, out: list[str]):
        self.out, self.counts = out, dict.fromkeys(ALLOWED_TAGS, 0)
        self.names: list[str] = []

    def push(self, name: str) -> None:
        self.names.append(name)
        self.counts[name] += 1

    def close_to(self, index: int) -> None:
        """Close every open element from the innermost down to the one at ``index``."""
        while len(self.names) > index:
            name = self.names.pop()
            self.counts[name] -= 1
            self.out.append(f"</{name}>")

    def find(self, names, stop=_SCOPE) -> int | None:
        """Where the innermost open element named in ``names`` is, looking no further out than an
        element of ``stop``."""
        if not any(self.counts[name] for name in names):
            return None
        for index in range(len(self.names) - 1, -1, -1):
            if self.names[index] in names:
                return index
            if self.names[index] in stop:
                return None
        return None

    def imply_end_tags(self, name: str) -> None:
        """Close what a browser closes before this start tag (a paragraph before a block, a list item
        before the next one, a cell before the next row...)."""
        if name in _CLOSES_P and (index := self.find(_P)) is not None:
            self.close_to(index)
        if name in _CLOSED_BY and (index := self.find(*_CLOSED_BY[name])) is not None:
            self.close_to(index)
        if name in _HEADINGS and self.names and self.names[-1] in _HEADINGS:
            self.close_to(len(self.names) - 1)


def clean_html(value: str | None) -> str:
    """Reduce user HTML to the allow-list on write (bleach): no scripts, handlers, styles or javascript:
    URLs. Tags outside the allow-list are dropped and their text kept; comments are dropped."""
    if not value:
        return ""
    return bleach.clean(without_controls(value), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True).strip()


def inert_html(value: str | None) -> str:
    """Stored HTML reduced to the same allow-list again for display, in time linear in its length.

    Tags outside the allow-list are dropped and their text kept (a script's or style's content is
    dropped too); comments are dropped; every element is closed."""
    if not value:
        return ""
    out: list[str] = []
    open_elements = _OpenElements(out)
    for token in _tokens(value):
        kind, name = token[0], token[1]
        if kind == "text":
            out.append(_escape_text(name))
        elif name not in _ALLOWED:
            continue
        elif kind == "start":
            if name in _VOID:
                open_elements.imply_end_tags(name)
                out.append(_start_tag(name, token[2]))
            elif len(open_elements.names) < MAX_DEPTH:
                open_elements.imply_end_tags(name)
                out.append(_start_tag(name, token[2]))
                open_elements.push(name)
        elif (index := open_elements.find((name,), _END_TAG_STOP.get(name, _SCOPE))) is not None:
            open_elements.close_to(index)
    open_elements.close_to(0)
    return "".join(out).strip()


def strip_tags(value: str | None) -> str:
    """Plain text from HTML: tags removed, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    text = "".join(token[1] for token in _tokens(value) if token[0] == "text")
    return _WS_RE.sub(" ", html.unescape(text)).strip()


# Links in plain text: a URL, or a bare domain with a known top-level domain ("example.com/help"). Each
# alternative starts only where no word, dot or slash precedes it, and domain labels are read possessively,
# so the text is scanned once. The top-level domain is checked against a set afterwards.
_LINK = re.compile(
    r"(?<![\w@.\-/])(?:(?:https?://|www\.)[^\s<>\"'`]+"
    r"|(?:[a-z0-9][a-z0-9\-]*+\.(?=[a-z0-9]))++(?P<tld>[a-z]{2,63})(?![\w\-])(?::[0-9]{1,5})?(?:/[^\s<>\"'`]*)?)",
    re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\""


_TLDS = frozenset(TLDS)  # the top-level domains bleach linked bare domains with


def _link_text(url: str) -> str:
    """The URL without the punctuation that ends the sentence around it ("see https://x.example/a).")."""
    opened, closed = url.count("("), url.count(")")
    while url:
        if url[-1] in _TRAILING_PUNCTUATION:
            url = url[:-1]
        elif url[-1] == ")" and closed > opened:
            url, closed = url[:-1], closed - 1
        else:
            break
    return url


def plain_to_html(value: str | None) -> str:
    """Escape plain text and turn its line breaks and URLs into HTML (for notes typed as text)."""
    if not value:
        return ""
    value = _CONTROLS.sub("", value.replace("\r\n", "\n"))
    out, pos = [], 0
    for match in _LINK.finditer(value):
        tld = match.group("tld")
        if tld is not None and tld.lower() not in _TLDS:
            continue
        url = _link_text(match.group())
        if not url or (tld is None and url.lower() in ("www.", "http://", "https://")):
            continue
        href = url if url.lower().startswith(("http://", "https://")) else "http://" + url
        out.append(html.escape(value[pos:match.start()], quote=True))
        out.append(f'<a href="{html.escape(href, quote=True)}" rel="nofollow" target="_blank">'
                   f"{html.escape(url, quote=True)}</a>")
        pos = match.start() + len(url)
    out.append(html.escape(value[pos:], quote=True))
    return "".join(out).replace("\n", "<br />\n")


def without_controls(value: str | None) -> str:
    """Text as typed, without the control characters no one types (XML cannot even carry them: one in a
    topic title broke the forum feed); tabs and line breaks stay."""
    return _CONTROLS.sub("", value or "")


def single_line(value: str | None) -> str:
    """A title or a name: no control characters, tabs and line breaks made spaces, trimmed."""
    return _LINE_BREAKS.sub(" ", _CONTROLS.sub("", value or "")).strip()


def xml_text(value) -> str:
    """Text an XML document can carry: XML 1.0 has no place for most C0 controls, lone surrogates or
    U+FFFE/U+FFFF, even escaped. For the feed, in case rows from before still hold one."""
    return _NOT_XML.sub("", "" if value is None else str(value))


def note_html(body: str, is_html: bool) -> Markup:
    """Safe HTML for a note body stored as text or as cleaned HTML."""
    return Markup(inert_html(body) if is_html else plain_to_html(body))


def page_html(body: str) -> Markup:
    """A KB page body: already cleaned on write; text without block tags gets line breaks."""
    if body and not _BLOCK_RE.search(body):
        body = body.replace("\n", "<br>\n")
    return Markup(inert_html(body))


def summarize(value: str | None, length: int = 120) -> str:
    """The first ``length`` characters of the plain text (HelpSpot's ``desc``)."""
    return strip_tags(value)[:length]


def count_links(value: str | None) -> int:
    return len(_URL_RE.findall(value or ""))


def slugify(value: str, max_length: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (value or "").lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"
