"""The interface's catalogues, compiled for the tests (as `make test` does), and the browser fixtures of
tests/browser for the German walk."""
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.browser.conftest import browser, live_app, page, shot  # noqa: F401 (fixtures)

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def compile_catalogues() -> list[Path]:
    """Compile every translations/<locale>/LC_MESSAGES/messages.po whose .mo is missing or older."""
    written = []
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalogue = read_po(source, locale=po.parts[-3])
            with mo.open("wb") as target:
                write_mo(target, catalogue)
            written.append(mo)
    return written


@pytest.fixture(autouse=True, scope="session")
def compiled_catalogues():
    compile_catalogues()
