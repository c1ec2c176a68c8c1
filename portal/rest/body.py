"""A REST call's JSON body, read field by field into one 400 that names every bad field.

Bodies are parsed as JSON whatever their Content-Type (DeskPRO's PHP SDK sends none); an empty body is an
empty object, and so is an empty JSON array where an object is expected: PHP's ``json_encode([])`` gives ``[]``
(PHP has one array type for lists and maps), so a PHP client's empty body or empty nested object arrives as one.
``Input`` reads typed values and collects (field path, code, message) problems; ``done()``
raises them together as :class:`InvalidInput`, which dialects render with their field errors. Unknown
fields are refused, so a misspelt field is not silently dropped.
"""
import json
import math

from flask import request

from ..errors import PortalError, ValidationFailed
from ..urls import MAX_ID

REQUIRED = "This value should not be blank."
MAX_TEXT = 255


class InvalidJson(PortalError):
    status = 400
    message = "Invalid JSON body."


class InvalidInput(ValidationFailed):
    """Bad input: ``problems`` are (field path, code, message); a path is dotted for nested fields
    (``message.message``, ``fields.3``), empty for the body as a whole."""

    def __init__(self, problems: list[tuple[str, str, str]]):
        self.problems = list(problems)
        super().__init__([(path, message) for path, _, message in self.problems])
        self.message = "Request input is invalid."


def from_service(exc: ValidationFailed, names: dict[str, str] | None = None) -> InvalidInput:
    """A service's ValidationFailed in a dialect's field names (``names``: service field -> API field)."""
    if isinstance(exc, InvalidInput):
        return exc
    names = names or {}
    return InvalidInput([(names.get(field, field), "invalid", reason) for field, reason in exc.errors])


def json_body() -> dict:
    """The body as a JSON object ({} when empty). Raises InvalidJson, or InvalidInput for a non-object."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise InvalidJson() from None
    if value == []:  # PHP's json_encode of an empty array
        return {}
    if not isinstance(value, dict):
        raise InvalidInput([("", "invalid_type", "The body must be a JSON object.")])
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class Input:
    """Typed reads of one JSON object (the body, or an object inside it at ``path``)."""

    def __init__(self, values: dict, path: str = "", problems: list | None = None):
        self.values, self.path = values, path
        self.problems: list[tuple[str, str, str]] = [] if problems is None else problems
        self.read: set[str] = set()

    def _where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        return name in self.values

    def problem(self, name: str, code: str, message: str) -> None:
        self.problems.append((self._where(name), code, message))

    def _raw(self, name: str, required: bool):
        self.read.add(name)
        value = self.values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(name, "required", REQUIRED)
            return None
        return value

    def text(self, name: str, *, required: bool = False, max_length: int = MAX_TEXT, default: str = "") -> str:
        value = self._raw(name, required)
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            self.problem(name, "invalid_type", "This value should be a string.")
            return default
        if len(value) > max_length:
            self.problem(name, "too_long", f"This value is too long. It should have {max_length} characters or less.")
            return default
        return value

    def integer(self, name: str, *, required: bool = False, low: int = 0, high: int = MAX_ID) -> int | None:
        value = self._raw(name, required)
        if value is None:
            return None
        if isinstance(value, str) and value.strip().isascii() and value.strip().lstrip("-").isdigit() \
                and len(value.strip()) <= 11:
            value = int(value.strip())
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, "invalid_type", "This value should be a whole number.")
            return None
        if not low <= value <= high:
            self.problem(name, "out_of_range", f"This value should be between {low} and {high}.")
            return None
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self._raw(name, False)
        if value is None:
            return default
        if value in (True, False, 0, 1, "0", "1", "true", "false"):
            return value in (True, 1, "1", "true")
        self.problem(name, "invalid_type", "This value should be true or false.")
        return default

    def object(self, name: str) -> "Input | None":
        value = self._raw(name, False)
        if value is None:
            return None
        if value == []:  # PHP's json_encode of an empty array: an empty object
            value = {}
        if not isinstance(value, dict):
            self.problem(name, "invalid_type", "This value should be an object.")
            return None
        return Input(value, self._where(name), self.problems)

    def array(self, name: str) -> list | None:
        value = self._raw(name, False)
        if value is None:
            return None
        if not isinstance(value, list):
            self.problem(name, "invalid_type", "This value should be a list.")
            return None
        return value

    def raw(self, name: str):
        self.read.add(name)
        return self.values.get(name)

    def allow(self, *names: str) -> None:
        """Fields that are accepted and ignored (read elsewhere, or sent by clients for other servers)."""
        self.read.update(names)

    def done(self) -> None:
        """Raise InvalidInput with every problem so far, unknown fields included."""
        extra = sorted(str(name) for name in self.values if name not in self.read)
        if extra:
            self.problems.append((self.path, "extra_fields", f"Unexpected field names: {', '.join(extra)[:200]}"))
        if self.problems:
            raise InvalidInput(self.problems)
