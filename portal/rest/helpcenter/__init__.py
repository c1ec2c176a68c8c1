"""HelpCenter.io API v1 at /v1/, on the REST core: ``dialect`` (the ``apikey`` header, 60 calls a minute per
key, the two 400 shapes), ``articles`` (KB pages with per-language title, slug and content) and ``categories``
(books and chapters). Importing this package registers every route."""
from . import articles, categories, dialect  # noqa: F401
