"""Helpers shared by the portal and staff views for turning service errors into field errors."""
from collections import defaultdict

from .errors import ValidationFailed


# Service field names -> form field names, where the HTML forms use the API's or another name.
def errors_by_field(exc: ValidationFailed, aliases: dict[str, str] | None = None) -> dict[str, list[str]]:
    """{field: [reasons]} for the templates' field macros, in the order the service reported them."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for field, reason in exc.errors:
        grouped[(aliases or {}).get(field, field)].append(reason)
    return dict(grouped)
