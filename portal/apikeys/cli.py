"""``flask api-key create EMAIL --name NAME [...]``: a key for a staff member, printed once as ``N:SECRET``."""
import click

from .. import unit_of_work
from ..errors import ValidationFailed
from ..extensions import db


@click.group("api-key")
def api_key_group():
    """Manage API keys (every API: HelpSpot's Bearer, DeskPRO's "key N:SECRET", ...)."""


@api_key_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the key is for, e.g. the script using it.")
@click.option("--read-only", is_flag=True, help="Only reads: every change is refused with 403.")
@click.option("--tags", default="*", show_default=True,
              help='Endpoint tags allowed, DeskPRO style: "*", "*, -tickets.*", "tickets.*, -*.delete".')
@click.option("--expires-days", type=int, help="Stop working after this many days.")
@click.option("--hourly", type=int, help="At most this many requests an hour.")
@click.option("--daily", type=int, help="At most this many requests a day.")
@unit_of_work.command
def api_key_create(email, name, read_only, tags, expires_days, hourly, daily):
    """Create a key acting as the staff member EMAIL; its last line of output is the key, N:SECRET."""
    from ..accounts.models import Staff
    from .services import create_key, presented

    staff = db.session.execute(db.select(Staff).where(Staff.email == email.strip().lower())).scalar_one_or_none()
    if staff is None:
        raise click.ClickException(f"No staff account for {email}.")
    try:
        # The command line is the operator's: it acts with the owner's own right to make keys.
        key, secret = create_key(staff, staff, name, read_only=read_only, tags=tags, expires_days=expires_days,
                                 hourly=hourly, daily=daily)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(f"{field}: {reason}" for field, reason in exc.errors)) from None
    click.echo("Keep this key now: it is not shown again.", err=True)
    click.echo(presented(key, secret))
