"""Staff pages on how customers help themselves: deflection (suggestions that answered questions)."""
from flask import render_template, request

from ..auth import staff_required
from ..deflection import report
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
