"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright, against the app served
on loopback by a threaded WSGI server. Every test saves screenshots under test-output/screenshots/.

Skipped with a clear message when /usr/bin/chromium or Playwright is absent (CI installs Chromium)."""
import os
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal.extensions import db
from tests.conftest import POSTGRES_URL, make_app, seed_reference_data

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def pytest_collection_modifyitems(config, items):
    reason = None
    if not os.path.exists(CHROMIUM):
        reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium); browser tests skipped"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed; browser tests skipped"
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))
            elif POSTGRES_URL:
                item.add_marker(pytest.mark.skip(reason="browser tests run in the SQLite pass only"))


@pytest.fixture
def live_app(tmp_path):
    """The app on a fresh SQLite database with the demo content, served by a real HTTP server thread."""
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}",
                   WTF_CSRF_ENABLED=True, PUBLIC_URL="http://127.0.0.1")
    with app.app_context():
        db.create_all()
        seed_reference_data()
        from portal.demo import load_demo
        load_demo(progress=lambda _msg: None)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = app.config["PUBLIC_URL"]
    yield app
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def shot(page, request):
    """shot("name") saves a full-page screenshot as test-output/screenshots/<test>-<n>-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counter = {"n": 0}
    test_name = re.sub(r"[^\w-]+", "_", request.node.name)

    def take(name: str) -> Path:
        counter["n"] += 1
        path = SCREENSHOTS / f"{test_name}-{counter['n']:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path
    return take
