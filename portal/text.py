"""Text and HTML helpers. Every write of user HTML goes through ``clean_html``."""
import html
import re

import bleach
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
_TAG_RE = re.compile(r"<[^>]*>")
_WS_RE = re.compile(r"\s+")
_URL_RE = re.compile(r"https?://", re.IGNORECASE)
_BLOCK_RE = re.compile(r"<(p|div|br|ul|ol|table|h[1-6]|pre|blockquote)\b", re.IGNORECASE)


def clean_html(value: str | None) -> str:
    """Reduce user HTML to a safe allow-list: no scripts, handlers, styles or javascript: URLs."""
    if not value:
        return ""
    cleaned = bleach.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return cleaned.strip()


def strip_tags(value: str | None) -> str:
    """Plain text from HTML: tags removed, entities decoded, whitespace collapsed."""
    if not value:
        return ""
    text = bleach.clean(value, tags=[], strip=True, strip_comments=True)
    return _WS_RE.sub(" ", html.unescape(text)).strip()


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(value: str | None) -> str:
    """Text for a one-line field (a subject, a title, a name): line breaks and other control characters
    become one space. A subject travels into mail headers, where a line break would end the header."""
    return _CONTROL_RE.sub(" ", value or "").strip()


def plain_to_html(value: str | None) -> str:
    """Escape plain text and turn its line breaks and URLs into HTML (for notes typed as text)."""
    if not value:
        return ""
    escaped = html.escape(value.replace("\r\n", "\n"), quote=True)
    linked = bleach.linkify(escaped, callbacks=[bleach.callbacks.nofollow, bleach.callbacks.target_blank])
    return linked.replace("\n", "<br />\n")


def note_html(body: str, is_html: bool) -> Markup:
    """Safe HTML for a note body stored as text or as cleaned HTML."""
    return Markup(clean_html(body) if is_html else plain_to_html(body))


def page_html(body: str) -> Markup:
    """A KB page body: already cleaned on write; text without block tags gets line breaks."""
    if body and not _BLOCK_RE.search(body):
        body = body.replace("\n", "<br>\n")
    return Markup(clean_html(body))


def summarize(value: str | None, length: int = 120) -> str:
    """The first ``length`` characters of the plain text (HelpSpot's ``desc``)."""
    return strip_tags(value)[:length]


def count_links(value: str | None) -> int:
    return len(_URL_RE.findall(value or ""))


def slugify(value: str, max_length: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (value or "").lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"
