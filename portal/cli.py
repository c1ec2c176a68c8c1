"""Flask CLI commands: demo-data, create-staff, settings, api-token. (db upgrade comes from Flask-Migrate.)

Each command is one unit of work (unit_of_work.command): committed when it returns, rolled back when it fails."""
import click

from . import settings as portal_settings
from . import unit_of_work
from .errors import Conflict, ValidationFailed
from .extensions import db


def _fail(exc: Exception) -> None:
    reasons = [reason for _, reason in exc.errors] if isinstance(exc, ValidationFailed) else [str(exc)]
    raise click.ClickException(" ".join(reasons))


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Only load when the help desk has no staff accounts yet.")
@unit_of_work.command
def demo_data_command(if_empty):
    """Load a realistic demo help desk (safe to run twice)."""
    from .accounts.models import Staff
    from .demo import DEMO_PASSWORD, DEMO_STAFF_EMAIL, load_demo

    if if_empty and db.session.execute(db.select(Staff.id).where(Staff.email != DEMO_STAFF_EMAIL)).first():
        click.echo("The help desk already has staff accounts; demo content not loaded.")
        return
    created = load_demo(progress=click.echo)
    click.echo("Demo content loaded." if created else "Demo content already present; nothing changed.")
    click.echo(f"Demo staff login: {DEMO_STAFF_EMAIL} / {DEMO_PASSWORD}")


@click.command("create-staff")
@click.argument("email")
@click.option("--password", help="Asked for when not given.")
@click.option("--role", type=click.Choice(["administrator", "agent", "moderator"]), default="agent",
              show_default=True)
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@unit_of_work.command
def create_staff_command(email, password, role, first_name, last_name):
    """Create a staff account."""
    from .accounts.services import create_staff

    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        staff = create_staff(email, password, role=role, first_name=first_name, last_name=last_name)
    except (ValidationFailed, Conflict) as exc:
        _fail(exc)
    click.echo(f"Created {staff.role} {staff.email} (id {staff.id}).")


@click.group("settings")
def settings_group():
    """Read and change portal settings."""


@settings_group.command("set")
@click.argument("key")
@click.argument("value")
@unit_of_work.command
def settings_set(key, value):
    """Set KEY to VALUE (on/off for switches)."""
    try:
        stored = portal_settings.set_value(key, value)
    except ValidationFailed as exc:
        _fail(exc)
    click.echo(f"{key} = {stored!r}")


@settings_group.command("list")
@unit_of_work.command
def settings_list():
    """Show every setting with its current value."""
    values = portal_settings.all_settings()
    for key, (_, description) in portal_settings.DEFAULTS.items():
        click.echo(f"{key:24} {values[key]!r:30} {description}")


@click.group("api-token")
def api_token_group():
    """Manage API tokens for the private web-service API."""


@api_token_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for, e.g. the script using it.")
@unit_of_work.command
def api_token_create(email, name):
    """Create a token for the staff member EMAIL and print it once."""
    from .accounts.models import Staff
    from .accounts.services import create_api_token

    staff = db.session.execute(db.select(Staff).where(Staff.email == email.strip().lower())).scalar_one_or_none()
    if staff is None:
        raise click.ClickException(f"No staff account for {email}.")
    try:
        _, secret = create_api_token(staff, name)
    except ValidationFailed as exc:
        _fail(exc)
    click.echo(secret)
    click.echo("Keep this token now: it is not shown again.", err=True)


def init_app(app) -> None:
    from .apikeys.cli import api_key_group

    for command in (demo_data_command, create_staff_command, settings_group, api_token_group, api_key_group):
        app.cli.add_command(command)
