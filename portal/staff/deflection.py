"""Staff pages on how customers help themselves: deflection, the dashboard's CSV, content health."""
import csv
import io

from flask import Response, render_template, request

from .. import settings
from ..auth import staff_required
from ..deflection import dashboard as help_desk
from ..deflection import health, report, searches
from ..urls import whole_number
from .views import bp

RANGES = (4, 12, 26, 52)


def _weeks() -> int:
    weeks = whole_number(request.args.get("weeks"))
    return weeks if weeks in RANGES else 12


@bp.get("/deflection")
@staff_required()
def deflection():
    weeks = _weeks()
    rows = report.weekly(weeks)
    return render_template("staff/deflection.html", weeks=weeks, ranges=RANGES, rows=rows, total=report.total(rows),
                           categories=report.by_category(weeks), top=report.top_answers(weeks))


@bp.get("/dashboard.csv")
@staff_required("requests")
def dashboard_csv():
    """The dashboard's per-day figures (every chart's data) as CSV."""
    figures = help_desk.figures(whole_number(request.args.get("days")) or 30)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["day", "opened", "closed", "backlog", "helpful_votes", "not_helpful_votes"])
    for row in figures.rows:
        writer.writerow([row.day.isoformat(), row.opened, row.closed, row.backlog, row.helpful, row.not_helpful])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=help-desk-{figures.days}-days.csv"})


@bp.get("/content-health")
@staff_required("kb")
def content_health():
    return render_template("staff/content_health.html", lowest=health.lowest_rated(), min_votes=health.MIN_VOTES,
                           stale=health.stale(), stale_days=settings.get("stale_page_days"),
                           missed=searches.most_missed("none"), forgiven=searches.most_missed("fuzzy"),
                           viewed=health.most_viewed(), broken=health.broken_links())
