"""``flask worker`` (deliver jobs until SIGTERM) and ``flask outbox status`` (counts, oldest waiting job)."""
import sys

import click
from flask.cli import with_appcontext

from . import services
from .worker import Worker


@click.command("worker")
@click.option("--batch", default=10, show_default=True, help="Jobs claimed at a time.")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between looks when nothing is due.")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@with_appcontext
def worker_command(batch, poll, once):
    """Deliver queued jobs (mail...) with retries; stops cleanly on SIGTERM."""
    worker = Worker(batch=batch, poll=poll, echo=lambda line: click.echo(line, file=sys.stdout))
    if once:
        for outcome in services.run_pending(worker.name):
            worker.report(outcome)
        return
    worker.handle_signals()
    worker.run()


@click.group("outbox")
def outbox_group():
    """The queue of jobs written with each change."""


@outbox_group.command("status")
@click.option("--max-age", type=float, help="Exit 1 when the oldest waiting job is older (seconds).")
@with_appcontext
def outbox_status(max_age):
    """Jobs by state and the age of the oldest one still to deliver."""
    for state, count in services.counts().items():
        click.echo(f"{state}: {count}")
    age = services.oldest_pending_age()
    click.echo(f"oldest pending: {'none' if age is None else f'{age:.0f}s'}")
    if max_age is not None and age is not None and age > max_age:
        click.echo(f"the oldest pending job is older than {max_age:.0f}s", err=True)
        sys.exit(1)


@outbox_group.command("prune")
@with_appcontext
def outbox_prune():
    """Delete delivered jobs, dead ones and webhook log rows past their retention (OUTBOX_KEEP_DONE,
    OUTBOX_KEEP_DEAD, WEBHOOK_LOG_KEEP); the worker also does it every OUTBOX_PRUNE_EVERY seconds."""
    for what, count in services.prune().items():
        click.echo(f"{what}: {count} deleted")
