"""``helpdesk/discover`` (public) and ``me``: who the key acts as."""
from .dialect import base_url, date, envelope, route

BUILD = "portico"


def agent(staff) -> dict:
    """A staff member as DeskPRO shows a person who is an agent."""
    return {"id": staff.id, "primary_email": staff.email, "first_name": staff.first_name,
            "last_name": staff.last_name, "name": staff.full_name, "display_name": staff.full_name,
            "is_agent": True, "is_user": False, "is_disabled": not staff.active, "emails": [staff.email],
            "phone_numbers": [], "labels": [], "organization": None, "date_created": date(staff.created_at),
            "fields": {}}


@route("/helpdesk/discover", "GET", "helpdesk.discover", public=True)
def discover(caller):
    return envelope({"is_deskpro": True, "helpdesk_url": base_url() + "/", "base_api_url": base_url() + "/api/v2/",
                     "build": BUILD})


@route("/me", "GET", "me.me.get")
def me(caller):
    return envelope({"auth_method": caller.auth_method, "app_id": None, "person_id": caller.staff.id,
                     "person": agent(caller.staff)})
