"""``flask inbound poll``: read every active mailbox now (the worker does it every ``inbound_poll_seconds``)."""
import click
from flask.cli import with_appcontext

from .poll import poll_due


@click.group("inbound")
def inbound_group():
    """Mail in: the IMAP mailboxes administrators configure."""


@inbound_group.command("poll")
@click.option("--due-only", is_flag=True, help="Only the mailboxes whose round has come.")
@with_appcontext
def poll_command(due_only):
    """Read the unseen mail of every active mailbox, once."""
    for line in poll_due(force=not due_only):
        click.echo(line)
