"""``POST /api_tokens``: a staff member's email and password exchanged for a token, presented afterwards as
``Authorization: token PERSON_ID:TOKEN``.

The password is checked by ``accounts.services.authenticate_staff``, the staff login page's own check, so a
failed exchange counts toward the same login throttling (and is kept although the reply is an error). The
token is a key of that staff member (``apikeys.services.issue_token``): listed and revoked with their keys.
"""
from flask import request

from ... import unit_of_work
from ...accounts import services as accounts
from ...apikeys import services as apikeys
from ..body import Input, json_body
from .dialect import envelope, route


@route("/api_tokens", "POST", "api_tokens.api_tokens.create", public=True)
def exchange(caller):
    body = Input(json_body())
    email = body.text("email", required=True, max_length=254)
    password = body.text("password", required=True, max_length=1000)
    body.done()
    unit_of_work.keep("a failed login stays recorded, so throttling spans requests")
    staff = accounts.authenticate_staff(email, password, request.remote_addr or "")
    if staff is None:
        raise apikeys.KeyRefused("credentials")
    key, secret = apikeys.issue_token(staff)
    return envelope({"person_id": staff.id, "token": secret}, status=201)
