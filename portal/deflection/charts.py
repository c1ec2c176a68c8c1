"""Charts drawn on the server as SVG (no script): grouped bars and a line, with axis labels. Each chart
on a page is followed by a data table saying the same (for screen readers) and a CSV link."""
from flask_babel import gettext
from markupsafe import Markup, escape

WIDTH, HEIGHT, LEFT, RIGHT, BOTTOM, TOP = 720, 200, 40, 24, 24, 10
PLOT_W = WIDTH - LEFT - RIGHT


def _frame(title: str, peak: int, labels: list[str], body: list[str]) -> Markup:
    plot_h = HEIGHT - BOTTOM - TOP
    said = gettext("%(title)s; the table after it gives the same figures", title=title)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(said)}" '
             'xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title>"]
    for fraction in (0, 0.5, 1) if peak >= 2 else (0, 1):  # grid lines with the value they stand for
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{round(peak * fraction)}</text>')
    step = max(1, len(labels) // 8)
    slot = PLOT_W / max(1, len(labels))
    for i in range(0, len(labels), step):
        x = LEFT + slot * (i + 0.5)
        parts.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 6}" text-anchor="middle">{escape(labels[i])}</text>')
    return Markup("".join(parts + body + ["</svg>"]))


def bars(title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> Markup:
    """Grouped bars: one group per label, one bar per series (CSS classes series-0, series-1, ...)."""
    peak = max([1] + [v for _, values in series for v in values])
    plot_h = HEIGHT - BOTTOM - TOP
    slot = PLOT_W / max(1, len(labels))
    bar = slot * 0.8 / max(1, len(series))
    body = []
    for s, (name, values) in enumerate(series):
        for i, value in enumerate(values):
            h = plot_h * value / peak
            x = LEFT + slot * i + slot * 0.1 + bar * s
            body.append(f'<rect class="series-{s}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                        f'height="{h:.1f}"><title>{escape(labels[i])}: {value} {escape(name)}</title></rect>')
    return _frame(title, peak, labels, body)


def line(title: str, labels: list[str], values: list[int]) -> Markup:
    peak = max([1] + values)
    plot_h = HEIGHT - BOTTOM - TOP
    slot = PLOT_W / max(1, len(labels))
    points = " ".join(f"{LEFT + slot * (i + 0.5):.1f},{TOP + plot_h * (1 - v / peak):.1f}"
                      for i, v in enumerate(values))
    return _frame(title, peak, labels, [f'<polyline class="series-0" fill="none" points="{points}"/>'])
