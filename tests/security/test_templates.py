"""The Content-Security-Policy forbids inline script and style: no template may rely on them.

Scans every template (and so every branch's templates once merged) for inline <script> code, <style>
blocks, style="" attributes, on*="" handlers and javascript: URLs."""
import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FILES = sorted(TEMPLATES.rglob("*.html"))

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)
RULES = {"inline <script>": INLINE_SCRIPT, "<style> block": STYLE_BLOCK, "style attribute": STYLE_ATTRIBUTE,
         "on* handler": HANDLER, "javascript: URL": JAVASCRIPT_URL}


def test_there_are_templates_to_check():
    assert any(path.name == "base.html" for path in FILES)


@pytest.mark.parametrize("rule", RULES)
def test_the_rules_catch_what_they_should(rule):
    samples = {"inline <script>": "<script>alert(1)</script>", "<style> block": "<style>p{}</style>",
               "style attribute": "<p class=\"x\" style=\"color:red\">", "on* handler": "<a href=\"#\" onclick=\"x()\">",
               "javascript: URL": "<a href=\"javascript:void(0)\">"}
    assert RULES[rule].search(samples[rule])
    assert not RULES[rule].search("<script src=\"/static/js/portal.js\" defer></script><p class=\"online\">")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_needs_inline_script_or_style(path):
    text = path.read_text(encoding="utf-8")
    found = [name for name, rule in RULES.items() if rule.search(text)]
    assert not found, f"{path.relative_to(TEMPLATES)}: {found} (the CSP blocks these; use static/ files)"
