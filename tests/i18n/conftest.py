"""The browser fixtures of tests/browser, for the German walk (the catalogues are compiled by tests/conftest.py
at the start of the run, as `make test` does)."""
from tests.browser.conftest import browser, live_app  # noqa: F401 (fixtures)
