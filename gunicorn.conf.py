"""Gunicorn settings for ``make run`` (``-c gunicorn.conf.py``; gunicorn also reads this file by itself when
started from the checkout). Bind, workers and the access log stay on the Makefile's command line, so the
benchmark and load tests, which start gunicorn here without an access log, keep running without one.

Logs are written through ``RedactingLogger``: HelpSpot API clients may send ``password``/``sPassword`` (and
tokens, keys) in the query string, and an access log is kept, rotated and shared long after the request.
Every query-string secret in a log line is replaced by ``[redacted]``."""
from gunicorn.glogging import Logger

from portal.urls import REDACTED, redact_secrets

# Atoms that are credentials as a whole (only logged if an operator's access_log_format names them).
SECRET_ATOMS = {"{authorization}i", "{proxy-authorization}i", "{cookie}i", "{set-cookie}o", "{x-api-key}i",
                "{http_authorization}e", "{http_proxy_authorization}e", "{http_cookie}e", "{http_x_api_key}e"}


class RedactingLogger(Logger):
    """Gunicorn's logger with secrets taken out of the access log's atoms (request line, query string,
    referer, headers, environ) and of the error log's arguments ("Error handling request <uri>")."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if name in SECRET_ATOMS:
                atoms[name] = REDACTED
            elif isinstance(value, str):
                atoms[name] = redact_secrets(value)
        return atoms

    def error(self, msg, *args, **kwargs):
        super().error(*_redacted(msg, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(*_redacted(msg, args), **kwargs)


def _redacted(msg, args) -> tuple:
    return (redact_secrets(str(msg)), *(redact_secrets(arg) if isinstance(arg, str) else arg for arg in args))


logger_class = RedactingLogger


def post_worker_init(worker):
    """Move everything the app allocated at start (routes, templates, SQLAlchemy's mappers, Babel's data:
    some 170,000 objects) out of the garbage collector's sight, and collect the young generation less
    often: a full collection walked them all every few requests, about a tenth of a page's time
    (bench/README.md, "Profile")."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(7_000, 20, 20)
