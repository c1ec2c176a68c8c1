"""The shape of the portal's account forms: which fields must not be empty before a service is asked."""
from flask_babel import lazy_gettext

REQUIRED = lazy_gettext("This field is required")


def values_of(form, *names: str) -> dict[str, str]:
    """The posted text of each named field ("" when absent). Passwords are kept as typed."""
    return {name: form.get(name, "") for name in names}


def missing(values: dict[str, str], *required: str) -> list[tuple[str, str]]:
    """(field, reason) pairs for required fields left empty, in the order given."""
    return [(name, str(REQUIRED)) for name in required if not values.get(name, "").strip()]
