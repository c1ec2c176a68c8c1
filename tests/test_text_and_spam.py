"""HTML cleaning, text helpers, bot checks and the link-count spam rule."""
import time

from portal import settings, spam, text


def test_clean_html_keeps_the_safe_allow_list():
    dirty = ('<h2 onclick="x()">Title</h2><script>alert(1)</script><a href="javascript:alert(1)">x</a>'
             '<img src="https://e.example/a.png" onerror="x()"><table><tr><td>1</td></tr></table>'
             '<p style="color:red">p</p><iframe src="https://evil.example"></iframe>')
    cleaned = text.clean_html(dirty)
    assert "<h2>Title</h2>" in cleaned and "<table>" in cleaned and '<img src="https://e.example/a.png">' in cleaned
    for bad in ("script", "onclick", "onerror", "javascript:", "style=", "iframe"):
        assert bad not in cleaned


def test_plain_text_notes_are_escaped_and_linked():
    html = text.plain_to_html("<b>hi</b>\nsee https://example.com")
    assert "&lt;b&gt;hi&lt;/b&gt;<br />" in html
    assert 'href="https://example.com"' in html and 'rel="nofollow"' in html


def test_strip_summarize_slugify_and_links():
    assert text.strip_tags("<p>A &amp; B</p>\n<p>C</p>") == "A & B C"
    assert text.summarize("<p>" + "x" * 300 + "</p>") == "x" * 120
    assert text.slugify("Getting Started: Install & Run!") == "getting-started-install-run"
    assert text.slugify("***") == "item"
    assert text.count_links("http://a https://b HTTP://c") == 3


def test_form_token_checks_time_and_signature(ctx):
    now = time.time()
    token = spam.form_token(now - 10)
    assert spam.form_is_human(token, "", now)
    assert not spam.form_is_human(token, "http://bot.example", now)  # honeypot filled
    assert not spam.form_is_human(spam.form_token(now), "", now)  # too fast for a person
    assert not spam.form_is_human(spam.form_token(now - 5000), "", now)  # stale
    assert not spam.form_is_human(token + "x", "", now)  # tampered
    assert not spam.form_is_human(None, "", now)


def test_link_count_rule_follows_the_setting(ctx):
    assert not spam.is_spam("one http://a.example two http://b.example")
    settings.set_value("spam_link_count", 2)
    assert spam.is_spam("one http://a.example two http://b.example")
    settings.set_value("spam_link_count", 0)
    assert not spam.is_spam("http://a " * 10)
