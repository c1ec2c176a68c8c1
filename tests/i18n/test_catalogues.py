"""The catalogues compile, German covers every string (customer and staff), and no template has text left
unmarked (a string added without _() or {% trans %} fails here, as does one marked but not translated)."""
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from portal.i18n import TRANSLATIONS, compile_catalogues

ROOT = TRANSLATIONS.parent
TEMPLATES = ROOT / "templates"
LOCALES = ("de", "fr", "es")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None, "mail_gettext": None}


def is_api_doc(path: str) -> bool:
    """The REST reference page documents an English API (the APIs answer in English): not translated."""
    return path.startswith("templates/rest/")


def html_templates() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*.html") if not is_api_doc(str(path.relative_to(ROOT))))


def extracted() -> dict:
    """msgid -> the files using it, read afresh from the code and templates (as `make translations` does)."""
    method_map = [("portal/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/email/*.txt", "jinja2")]
    found: dict = {}
    every_folder = lambda path: not Path(path).name.startswith(".")  # noqa: E731 (templates/_macros too)
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS, directory_filter=every_folder):
        if filename.startswith(("templates/", "portal/")):
            found.setdefault(message if isinstance(message, str) else tuple(message), set()).add(filename)
    return found


def catalogue(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_compiles_and_its_placeholders_match(locale):
    po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    po.touch()  # compile again, now
    assert po.with_suffix(".mo") in compile_catalogues()
    problems = [(message.id, errors) for message, errors in catalogue(locale).check()]
    assert problems == []
    with po.with_suffix(".mo").open("rb") as compiled:
        assert len(read_mo(compiled)) > 40


def test_german_translates_every_string():
    """Customer and staff pages, flash and validation messages, mails: German is complete."""
    german = catalogue("de")
    missing = []
    for msgid, files in extracted().items():
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        message = german.get(key)
        strings = (message.string if isinstance(message.string, tuple) else (message.string,)) if message else ()
        if not strings or not all(strings):
            missing.append((msgid, sorted(files)))
    assert missing == [], "untranslated in translations/de (run `make translations`, then translate):\n" + \
        "\n".join(f"{msgid!r} in {', '.join(files)}" for msgid, files in missing)


def test_french_and_spanish_catalogues_exist_with_the_layout_translated():
    for locale in ("fr", "es"):
        found = catalogue(locale)
        for msgid in ("Home", "Submit a request", "This field is required", "Search"):
            assert found.get(msgid) is not None and found.get(msgid).string, (locale, msgid)


# Text between tags, and words in the attributes people read, that no _() or {% trans %} covers.
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
CSS_CLASS_BLOCK = re.compile(r"\{% block body_class %\}.*?\{% endblock %\}")
TRANS_BLOCK = re.compile(r"\{%-? trans\b.*?%\}.*?\{%-? endtrans -?%\}", re.S)
# Scripts, styles and <code> (header names, placeholders like {customer_name}: typed as they are, in any language).
CODE = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<code>.*?</code>", re.S)
ENTITY = re.compile(r"&#?\w+;")  # (&larr; is an arrow, not a word)
TITLE = re.compile(r"\{% block title %\}(.*?)\{% endblock %\}", re.S)
TEXT = re.compile(r">([^<>]+)<")
ATTRIBUTE = re.compile(r'\b(?:placeholder|aria-label|title|alt)="([^"]*)"')
WORD = re.compile(r"[A-Za-z]{2,}")


def unmarked(source: str) -> list[str]:
    titles = [JINJA.sub(" ", title) for title in TITLE.findall(source)]  # (<title> is filled from a block)
    source = JINJA.sub(" ", CODE.sub("", TRANS_BLOCK.sub("", CSS_CLASS_BLOCK.sub("", source))))  # (a "{% if a > 1 %}" is no tag)
    left = [" ".join(title.split()) for title in titles if WORD.search(title)]
    for pattern in (TEXT, ATTRIBUTE):
        for match in pattern.finditer(ENTITY.sub(" ", source)):
            if WORD.search(match.group(1)) and '="' not in match.group(1):  # (a macro writing attributes)
                left.append(" ".join(match.group(1).split())[:80])
    return left


def test_no_template_has_unmarked_text():
    """Customer and staff pages alike (the REST reference excepted)."""
    found = {str(path.relative_to(ROOT)): unmarked(path.read_text()) for path in html_templates()}
    assert {name: texts for name, texts in found.items() if texts} == {}


def test_the_unmarked_text_check_can_fail():
    assert unmarked("<p>{{ _('Marked') }}</p><p>Not marked</p>") == ["Not marked"]
    assert unmarked('<input placeholder="Type here">') == ["Type here"]
    assert unmarked("{% block title %}Request {{ req.id }}{% endblock %}") == ["Request"]
    assert unmarked("<p>{% trans n=1 %}Marked {{ n }}{% endtrans %}</p><script>var x = 'ok';</script>") == []
    assert unmarked("<p>&larr; {{ _('Back') }} <code>{customer_name}</code></p>") == []


# Words handed to a macro or a variable inside {{ }} / {% %} ('Delete', hint='Empty: no cap.'): a sentence or
# a capitalised word in quotes that is not the argument of _(), ngettext() or url_for().
QUOTED = re.compile(r"""(?<![\w])(['"])((?:\\.|(?!\1).)*)\1""")
EXPRESSIONS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
NOT_WORDS = {"STARTTLS", " closed"}  # a protocol's name; a CSS class


def unmarked_quoted(source: str) -> list[str]:
    left = []
    for block in EXPRESSIONS.finditer(CODE.sub("", source)):
        code = block.group(0)
        for quoted in QUOTED.finditer(code):
            text, before = quoted.group(2), code[:quoted.start()]
            if not WORD.search(text) or not re.match(r"[A-Z][a-z]|.*[A-Za-z] [a-z]", text) or text in NOT_WORDS:
                continue
            if re.search(r"(?:\b_|gettext|url_for)\(\s*$|ngettext\([^()]*,\s*$", before) or "%(" in text:
                continue
            if text.startswith("<code>") or re.search(r"""\b_\((['"])(?:(?!\1).)*$""", before):
                continue  # (inside a marked string, or code passed into one)
            if code[quoted.end():].lstrip().startswith(":"):
                continue  # (a dict's key: the scripts' words in base.html are looked up by their English)
            left.append(text)
    return left


def test_no_template_hands_unmarked_words_to_a_macro():
    found = {str(path.relative_to(ROOT)): unmarked_quoted(path.read_text()) for path in html_templates()}
    assert {name: texts for name, texts in found.items() if texts} == {}


def test_the_quoted_words_check_can_fail():
    assert unmarked_quoted("{{ ui.post_button(url_for('staff.close'), 'Close request') }}") == ["Close request"]
    assert unmarked_quoted("{{ forms.input('tags', _('Tags'), hint='Separate tags with commas.') }}") == \
        ["Separate tags with commas."]
    assert unmarked_quoted("{{ _('Open') if req.is_open else _('Closed') }}{{ ngettext('%(num)s a', '%(num)s b', n) }}") == []
