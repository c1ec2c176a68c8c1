"""Private API authentication: a Bearer token, HTTP Basic, or ``username``/``password`` parameters.

No credentials: errors 1 and 2 with HTTP 401 and a Basic challenge (as HelpSpot). Wrong credentials or a
bad token: error 2. Failed logins are throttled per account and per address (for accounts never logged in
from that address, ``accounts.services.address_throttled``), both in ``authenticate_staff``: error 3 with
HTTP 429.
"""
from flask import request

from ..accounts.services import TooManyAttempts, authenticate_staff, staff_for_token
from .errors import ApiError, error

CHALLENGE = {"WWW-Authenticate": 'Basic realm="API Authentication"'}


def _throttled() -> ApiError:
    return ApiError.of(3, status=429, headers={"Retry-After": str(TooManyAttempts.retry_after)})


def authenticate(values: dict[str, str]):
    """The staff member the call acts as. Raises ApiError (``keep``: the failure is recorded)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        staff = staff_for_token(credentials.strip())
        if staff is None:
            raise ApiError.of(2)
        return staff
    username = password = ""
    basic = request.authorization
    if basic is not None and basic.type == "basic":
        username, password = basic.username or "", basic.password or ""
    if (values.get("username") or "").strip() and (values.get("password") or ""):
        username, password = values["username"], values["password"]
    if not username.strip() and not password:
        raise ApiError(error(1), error(2), status=401, headers=CHALLENGE)
    try:
        staff = authenticate_staff(username, password, request.remote_addr or "")
    except TooManyAttempts:
        raise _throttled() from None
    if staff is None:
        raise ApiError.of(2, keep=True)
    return staff
