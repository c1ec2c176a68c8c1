"""Full-text search over the knowledge base, forums and (for staff) requests.

``init_app`` opens the index folder (SEARCH_INDEX_DIR), subscribes to the change feed to keep it in step
with the database, registers the ``flask search`` commands and the search pages.
"""
from .hooks import reindex_after_commit
from .index import SearchIndex, SearchUnavailable

__all__ = ["SearchIndex", "SearchUnavailable", "index_versions", "init_app", "reindex_after_commit"]


def index_versions(*kinds: str) -> tuple | None:
    """The current version of each index in ``kinds`` (None when one cannot be read): what a cached
    search reply depends on besides the database."""
    from flask import current_app

    versions = tuple(current_app.extensions["portico_search"].version(kind) for kind in kinds)
    return None if None in versions else versions


def init_app(app) -> None:
    from . import cli, hooks, postings, whoosh_fixes
    from .views import bp

    whoosh_fixes.apply()
    # Posting lists decoded for numpy ranking, kept per process (postings.py; bench/README.md for the figures).
    postings.DECODED.limit = int(app.config.setdefault("SEARCH_POSTINGS_CACHE_MB", 64)) * 1024 * 1024
    # 0: when another worker holds the write lock, spool the change for it rather than wait (bench/README.md).
    app.config.setdefault("SEARCH_LOCK_TIMEOUT", 0.0)
    app.extensions["portico_search"] = SearchIndex(app.config["SEARCH_INDEX_DIR"],
                                                   lock_timeout=float(app.config["SEARCH_LOCK_TIMEOUT"]))
    hooks.init_app(app)
    app.register_blueprint(bp)
    cli.init_app(app)
