"""``flask search reindex`` rebuilds every index from the database; ``flask search status`` shows drift."""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from ..extensions import db
from . import KINDS, SearchUnavailable, changelog
from .documents import DOCUMENTS, apply, database_counts

search_cli = AppGroup("search", help="Full-text search index.")


def rebuild(kind: str, *, progress: bool = False) -> int:
    """Replace the ``kind`` index with documents built from every row; returns the document count."""
    index = current_app.extensions["portico_search"]
    with Session(db.engine) as session:
        expected = database_counts(session)[kind]

        def fill(writer) -> int:
            count = 0
            documents = DOCUMENTS[kind](session)
            if progress:
                with click.progressbar(documents, length=expected, label=f"{kind:9}") as bar:
                    for doc in bar:
                        writer.add_document(**doc)
                        count += 1
            else:
                for doc in documents:
                    writer.add_document(**doc)
                    count += 1
            return count

        count = index.rebuild(kind, fill)
    index.drain(kind, apply)  # changes committed during the rebuild, spooled meanwhile
    return count


@search_cli.command("reindex")
@click.option("--kind", type=click.Choice(KINDS), multiple=True, help="Only these indexes (default: all).")
def reindex_command(kind):
    """Rebuild the search indexes from the database (repairs a missing or damaged index)."""
    with Session(db.engine) as session:
        start = changelog.newest(session)  # changes after this are applied by catch-up, again if need be
    for name in kind or KINDS:
        count = rebuild(name, progress=True)
        click.echo(f"{name}: {count} documents indexed")
    if not kind or set(kind) == set(KINDS):
        changelog.save_position(start)


@search_cli.command("catch-up")
def catch_up_command():
    """Apply the changes other hosts committed since this host's index last did (builds it first when new)."""
    total = 0
    while True:
        read = changelog.catch_up()
        total += read
        if read < changelog.BATCH:
            break
    click.echo(f"{total} change(s) applied; position {changelog.position()}")


@search_cli.command("status")
def status_command():
    """Documents in each index against the rows in the database, and whether an index was built by an
    older version (its schema differs); exits 1 when anything needs a reindex."""
    index = current_app.extensions["portico_search"]
    with Session(db.engine) as session:
        expected = database_counts(session)
    drift = False
    click.echo(f"{'index':10} {'indexed':>9} {'database':>9}  state")
    for name in KINDS:
        try:
            indexed = index.doc_count(name)
            old = index.outdated(name)
        except SearchUnavailable as exc:
            click.echo(f"{name:10} {'-':>9} {expected[name]:>9}  unavailable: {exc.message}")
            drift = True
            continue
        states = [] if indexed == expected[name] else [f"drift {indexed - expected[name]:+d}"]
        if old:
            states.append("outdated: built by an older version (slower phrase searches)")
        drift = drift or bool(states)
        click.echo(f"{name:10} {indexed:>9} {expected[name]:>9}  {', '.join(states) or 'ok'}")
    with Session(db.engine) as session:
        lag = changelog.status(session)
    if lag["position"] is None:
        click.echo(f"change log: this host has applied none (newest {lag['newest']}); "
                   "`flask --app wsgi search catch-up` builds the index and follows it")
    else:
        age = "none" if lag["lag_seconds"] is None else f"{lag['lag_seconds']:.0f}s"
        click.echo(f"change log: position {lag['position']} of {lag['newest']}, {lag['behind']} behind, "
                   f"oldest unapplied {age}")
    if drift:
        click.echo("Run `flask --app wsgi search reindex` to rebuild from the database.")
        raise SystemExit(1)


def init_app(app) -> None:
    app.cli.add_command(search_cli)
