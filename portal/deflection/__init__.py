"""Deflection: suggestions beside the request and new-topic forms, the events that measure whether they
answered the question, the counts of searches that found nothing, and their roll-up.

Package map: models.py (tables), events.py (recording, visits), suggestions.py (what is suggested),
views.py (the customer's endpoints), report.py (the staff page's figures), rollup.py, searches.py.
"""
import click
from flask.cli import AppGroup

from .. import settings, unit_of_work

deflection_cli = AppGroup("deflection", help="Deflection events.")


@deflection_cli.command("rollup")
@click.option("--keep-days", type=int, default=None, help="Keep single events this many days (default: the "
              "deflection_keep_days setting).")
@unit_of_work.command
def rollup_command(keep_days):
    """Count events older than the kept days into weekly totals and delete them (run it daily from cron)."""
    from .rollup import roll_up

    days = keep_days if keep_days is not None else settings.get("deflection_keep_days")
    click.echo(f"{roll_up(int(days))} events rolled up into weekly counts")


def init_app(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(deflection_cli)
