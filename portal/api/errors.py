"""HelpSpot's API error catalogue and the exception methods raise to answer with it.

Descriptions are plain text here; the serializer escapes them once (a deliberate difference from HelpSpot,
listed with the others in docs/helpspot-differences.md).
"""

TEXTS = {
    1: "Authentication information not sent",
    2: "User authentication failed",
    3: "Too many failed login attempts. Please wait a minute and try again.",
    101: "Required parameter {} not supplied",
    102: "Valid access key required",
    103: "Valid request ID required",
    104: "Email or password not valid",
    105: "Valid email required",
    106: "Request history limit reached for this request",
    201: "Invalid method provided",
    202: "Could not create topic",
    203: "Forum is closed",
    204: "Could not create post",
    205: "Topic ID does not exist",
    206: "Could not create request",
    207: "Could not create request: {}",
    208: "Request has been merged",
    210: "Request could not be updated",
    211: "Password could not be updated",
    212: "Could not update request: {}",
    # 209-217 are private only; 214's text is HelpSpot's (defined twice there, the second wins); 216 and 217
    # are worded after the others (docs/helpspot-differences.md).
    209: "Time event could not be added",
    213: "Could not merge requests",
    214: "Could not unsubscribe from request",
    216: "Could not move request to trash",
    217: "Could not mark request as spam",
    303: ("private.customer.getPasswordByEmail has been removed as passwords are no longer stored in a way "
          "that are accessible by the system."),
    429: "Too many requests. Please wait and try again.",
    503: "The help desk is briefly unavailable. Please try again in a moment.",
    500: "An internal error occurred. It has been logged.",
}


def error(code: int, detail: str | None = None, **extra) -> dict:
    """One ``<error>``: extra fields (only 208's ``xRequest``) come before ``id``, as in HelpSpot."""
    text = TEXTS[code]
    if "{}" in text:
        text = text.format(detail or "")
    elif detail:
        text = f"{text}: {detail}"
    return {**extra, "id": code, "description": text}


class ApiError(Exception):
    """Stops a method with one or more errors.

    ``status`` is the HTTP status (400 unless said otherwise); ``keep`` commits what was flushed
    (a failed login is recorded so throttling spans requests)."""

    def __init__(self, *errors: dict, status: int = 400, keep: bool = False, headers: dict | None = None):
        super().__init__(", ".join(e["description"] for e in errors))
        self.errors = list(errors)
        self.status = status
        self.keep = keep
        self.headers = headers or {}

    @classmethod
    def of(cls, code: int, detail: str | None = None, **kwargs) -> "ApiError":
        return cls(error(code, detail), **kwargs)


def envelope(errors: list[dict]) -> dict:
    return {"error": list(errors)}
