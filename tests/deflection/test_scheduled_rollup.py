"""The worker rolls old deflection events up by itself (portal.outbox.worker.PERIODIC), every
DEFLECTION_ROLLUP_EVERY seconds, keeping the deflection_keep_days setting."""
from datetime import timedelta

from portal import settings
from portal.deflection import events
from portal.deflection.models import DeflectionEvent, DeflectionWeek
from portal.extensions import db
from portal.outbox import worker


def _events(weeks_ago: int, count: int) -> None:
    last = db.session.scalar(db.select(db.func.max(DeflectionEvent.id))) or 0
    for _ in range(count):
        events.record(events.new_visit(), "shown", "request", None)
    for event in db.session.scalars(db.select(DeflectionEvent).where(DeflectionEvent.id > last)):
        event.week -= timedelta(weeks=weeks_ago)
    db.session.commit()


def test_the_worker_rolls_up_old_events_once_per_interval(app):
    app.config["DEFLECTION_ROLLUP_EVERY"] = 3600
    lines: list[str] = []
    with app.test_request_context():
        _events(10, 3)
        _events(0, 1)  # this week's: kept as it is
        settings.set_value("deflection_keep_days", 28)
        db.session.commit()
        busy = worker.Worker(echo=lines.append)
        busy.run_periodic()
        assert lines == ["3 deflection events rolled up into weekly counts"]
        assert db.session.scalar(db.select(db.func.count(DeflectionEvent.id))) == 1
        assert db.session.scalar(db.select(db.func.sum(DeflectionWeek.count))) == 3
        _events(10, 2)
        busy.run_periodic()  # within the hour: not yet
        assert db.session.scalar(db.select(db.func.count(DeflectionEvent.id))) == 3
        busy.periodic_at["DEFLECTION_ROLLUP_EVERY"] -= 3601
        busy.run_periodic()
        assert lines[-1] == "2 deflection events rolled up into weekly counts"
        assert db.session.scalar(db.select(db.func.sum(DeflectionWeek.count))) == 5
        busy.periodic_at.clear()
        busy.run_periodic()  # nothing old left: nothing said
        assert len(lines) == 2


def test_an_interval_of_zero_never_rolls_up_and_a_failure_is_only_logged(app, monkeypatch, caplog):
    lines: list[str] = []
    with app.test_request_context():
        _events(10, 1)
        app.config["DEFLECTION_ROLLUP_EVERY"] = 0
        worker.Worker(echo=lines.append).run_periodic()
        assert db.session.scalar(db.select(db.func.count(DeflectionEvent.id))) == 1
        app.config["DEFLECTION_ROLLUP_EVERY"] = 60

        def broken(keep_days):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr("portal.deflection.rollup.roll_up", broken)
        worker.Worker(echo=lines.append).run_periodic()
        assert lines == [] and "portal.deflection.rollup:scheduled failed" in caplog.text
