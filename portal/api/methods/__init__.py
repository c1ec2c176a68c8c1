"""One module per method family; importing them fills the registry."""
from . import forums, kb, private_requests, private_search, private_util, private_workspace, requests, util  # noqa: F401
