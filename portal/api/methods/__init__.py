"""One module per method family; importing them fills the registry."""
from . import (  # noqa: F401
    forums,
    kb,
    private_filters,
    private_requests,
    private_search,
    private_util,
    private_workspace,
    requests,
    util,
)
