"""``people``: Portico's customers (the portal logins made for each requester's email).

A customer row holds only an email; names live on the requests, so ``first_name``/``last_name`` are empty.
Reading and creating people needs the ``requests`` right (customers are the people requests come from).
"""
from flask import request

from ...accounts.models import Customer
from ...errors import Conflict, NotFound, ValidationFailed
from ...extensions import db
from ...requests import services, workflow
from ...requests.models import Request
from ..body import Input, InvalidInput, json_body
from ..paging import paging
from .dialect import collection, created, date, envelope, route


def ticket_counts(customers) -> dict[str, int]:
    emails = [c.email for c in customers]
    if not emails:
        return {}
    return dict(db.session.execute(db.select(Request.email, db.func.count(Request.id))
                                   .where(Request.email.in_(emails), Request.trashed.is_(False))
                                   .group_by(Request.email)).all())


def person(customer: Customer, counts: dict[str, int] | None = None) -> dict:
    counts = ticket_counts([customer]) if counts is None else counts
    return {"id": customer.id, "primary_email": customer.email, "first_name": "", "last_name": "",
            "name": customer.email, "display_name": customer.email, "is_agent": False, "is_user": True,
            "is_confirmed": customer.email_confirmed, "emails": [customer.email], "phone_numbers": [],
            "labels": [], "organization": None, "date_created": date(customer.created_at),
            "tickets_count": counts.get(customer.email, 0), "fields": {}}


@route("/people", "GET", "people.people.list", doc={"items": {"type": "object", "required": ["id", "primary_email"]}})
def list_people(caller):
    workflow.require(caller.staff)
    page = paging()
    query = db.select(Customer)
    email = request.args.get("primary_email") or request.args.get("email")
    if email:
        query = query.where(Customer.email == email.strip().lower())
    total = db.session.scalar(db.select(db.func.count()).select_from(query.subquery()))
    rows = list(db.session.execute(query.order_by(Customer.id.desc()).offset(page.offset)
                                   .limit(page.per_page)).scalars())
    counts = ticket_counts(rows)
    return collection([person(c, counts) for c in rows], page, total)


@route("/people/counts", "GET", "people.people.counts")
def count_people(caller):
    workflow.require(caller.staff)
    return envelope({"total": db.session.scalar(db.select(db.func.count(Customer.id)))})


@route("/people/<int:person_id>", "GET", "people.people.get")
def get_person(caller, person_id):
    workflow.require(caller.staff)
    customer = db.session.get(Customer, person_id)
    if customer is None:
        raise NotFound("No such person.")
    return envelope(person(customer))


class DuplicateEmail(Conflict):
    status = 400
    deskpro_code = "dupe_email"
    message = "A person with this email address already exists."


@route("/people", ("POST", "PUT"), "people.people.create")
def create_person(caller):
    workflow.require(caller.staff)
    body = Input(json_body())
    emails = body.array("emails") or []
    email = body.text("primary_email", max_length=100) or body.text("email", max_length=100)
    if not email and emails and isinstance(emails[0], str):
        email = emails[0]
    body.allow("first_name", "last_name", "name", "display_name", "phone_numbers", "labels", "organization",
               "fields", "password")  # sent by SDKs building a whole person; a customer keeps only the email
    body.done()
    address, problem = services.normalise_email(email)
    if problem or not address:
        raise InvalidInput([("primary_email", "required" if not address else "invalid_email",
                             problem or "This value should not be blank.")])
    if db.session.execute(db.select(Customer.id).where(Customer.email == address)).first():
        raise DuplicateEmail()
    try:
        customer = services.ensure_customer(address)
        db.session.flush()
    except ValidationFailed as exc:
        raise InvalidInput([(f, "invalid", m) for f, m in exc.errors]) from None
    return created(person(customer), f"people/{customer.id}")
