"""Private API authentication: a Bearer token, HTTP Basic, or ``username``/``password`` parameters.

No credentials: errors 1 and 2 with HTTP 401 and a Basic challenge (as HelpSpot). Wrong credentials or a
bad token: error 2. Failed logins are throttled per account and per address (for accounts never logged in
from that address, ``accounts.services.address_throttled``), both in ``authenticate_staff``: error 3 with
HTTP 429.
A Bearer token is an API key (``portal.apikeys``): ``N:SECRET`` or, as before keys, the bare secret. Its tag
pattern (``helpspot.<method>``), read-only flag and hourly/daily caps apply: 403 with error 2, or 429 with 3.
"""
from flask import request

from ..accounts.services import TooManyAttempts, authenticate_staff
from ..apikeys import services as apikeys
from .errors import ApiError, error

CHALLENGE = {"WWW-Authenticate": 'Basic realm="API Authentication"'}


def _throttled() -> ApiError:
    return ApiError.of(3, status=429, headers={"Retry-After": str(TooManyAttempts.retry_after)})


def writes(method: str) -> bool:
    """Whether a HelpSpot method changes anything (refused to read-only keys): its last word is a verb
    other than get/search/version."""
    last = method.rsplit(".", 1)[-1]
    return not last.startswith(("get", "search", "version", "multiGet"))


def _key_holder(credential: str, method: str):
    """The staff member an API key acts as, once its tags (``helpspot.<method>``), read-only flag and caps
    allow this call. Raises ApiError: 2 (bad key, or 403 not allowed), 3 with 429 (throttled or cap spent)."""
    try:
        key = apikeys.authenticate(credential, request.remote_addr or "")
        apikeys.check_access(key, f"helpspot.{method}", writes=writes(method))
        apikeys.spend(key)
    except apikeys.KeyThrottled as exc:
        raise ApiError.of(3, status=429, headers={"Retry-After": str(exc.retry_after)}) from None
    except apikeys.KeyNotAllowed as exc:
        raise ApiError(error(2, exc.message), status=403) from None
    except apikeys.KeyRefused:
        raise ApiError.of(2) from None
    return key.staff


def authenticate(values: dict[str, str]):
    """The staff member the call acts as. Raises ApiError (``keep``: the failure is recorded)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return _key_holder(credentials.strip(), (values.get("method") or "").strip())
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
