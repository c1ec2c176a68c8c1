"""One module per method family; importing them fills the registry."""
from . import forums, kb, private_filters, private_requests, private_search, private_util, requests, util  # noqa: F401
