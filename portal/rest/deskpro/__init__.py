"""DeskPRO API v2 at /api/v2/, on the REST core: ``dialect`` (auth, envelope, errors), then one module per
group of resources. Importing this package registers every route on the dialect."""
from . import (  # noqa: F401
    articles,
    batch,
    blobs,
    dialect,
    doc,
    filters,
    lookups,
    me,
    messages,
    people,
    search,
    tickets,
    tokens,
    zapier,
)
