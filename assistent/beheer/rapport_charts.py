"""Municipality report, the charts: PNG bar charts as base64, for embedding in the HTML.

Made with matplotlib's object API on the Agg canvas (no pyplot, no global state), so charts can
be drawn from any thread and nothing leaks between reports.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Iterable

from assistent.beheer.rapport import percent

# Colours that stay apart for colour-blind readers (Okabe-Ito).
BLUE, ORANGE, GREEN, RED = "#0072B2", "#E69F00", "#009E73", "#D55E00"


def _png(figure: object) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)  # type: ignore[attr-defined]
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float) -> object:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _style(ax: object) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]
    ax.tick_params(labelsize=9)  # type: ignore[attr-defined]


def _week_labels(labels: list[str]) -> list[str]:
    """Week numbers; the year only under the first label and where the year changes."""
    shown, last_year = [], None
    for label in labels:
        week, year = label.split("\n")
        shown.append(week if year == last_year else f"{week}\n{year}")
        last_year = year
    return shown


def chart_weeks(per_week: list[tuple[str, int, int]]) -> str:
    """Stacked bars: questions per week, answered and without a fitting answer."""
    figure = _figure(9, 3.8)
    ax = figure.add_subplot()
    labels = [label for label, _, _ in per_week]
    answered = [a for _, a, _ in per_week]
    abstained = [b for _, _, b in per_week]
    x = list(range(len(labels)))
    ax.bar(x, answered, color=BLUE, label="met passend antwoord")
    ax.bar(x, abstained, bottom=answered, color=ORANGE, label="zonder passend antwoord")
    step = max(1, len(labels) // 16)
    ax.set_xticks(x[::step], _week_labels(labels[::step]))
    pad = max(0, 8 - len(x)) / 2  # a few weeks: keep bars narrow and centred
    ax.set_xlim(-0.5 - pad, len(x) - 0.5 + pad)
    ax.set_xlabel("weeknummer")
    ax.set_ylabel("aantal vragen")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(
        frameon=False,
        fontsize=9,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=2,
        borderaxespad=0.2,
    )
    _style(ax)
    return _png(figure)


def _wrap_label(text: str, width: int = 30) -> str:
    lines = textwrap.wrap(text, width=width, break_on_hyphens=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width=width, placeholder="…")]
    return "\n".join(lines)


def chart_counts(counts: Iterable[tuple[str, int]], color: str, xlabel: str) -> str:
    """Horizontal bars, largest on top, with the number at the end of each bar."""
    items = list(counts)[::-1]
    figure = _figure(7.5, 0.5 * len(items) + 1.0)
    ax = figure.add_subplot()
    labels = [_wrap_label(label) for label, _ in items]
    values = [value for _, value in items]
    bars = ax.barh(range(len(items)), values, color=color)
    ax.set_yticks(range(len(items)), labels)
    ax.bar_label(bars, padding=3, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, max(values) * 1.15 if values else 1)
    ax.xaxis.get_major_locator().set_params(integer=True)
    _style(ax)
    return _png(figure)


def chart_feedback(goed: int, slecht: int) -> str:
    """One bar split into 👍 and 👎 (with counts), easy to read at a glance."""
    figure = _figure(7.5, 1.4)
    ax = figure.add_subplot()
    total = goed + slecht
    ax.barh([0], [goed], color=GREEN)
    ax.barh([0], [slecht], left=[goed], color=RED)
    if goed:
        label = f"duim omhoog: {goed} ({percent(goed, total)})"
        ax.text(goed / 2, 0, label, ha="center", va="center", color="white")
    if slecht:
        label = f"duim omlaag: {slecht} ({percent(slecht, total)})"
        ax.text(goed + slecht / 2, 0, label, ha="center", va="center", color="white")
    ax.set_xlim(0, total)
    ax.set_yticks([])
    ax.set_xticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    return _png(figure)
