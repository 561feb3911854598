"""The pictures of the pages, drawn with matplotlib's Agg renderer as PNG bytes.

Each is drawn on a bare :class:`matplotlib.figure.Figure`, so pyplot's global state is
never touched, and kept small (a few inches at :data:`DPI`): a page embeds them as
base64. Text in a picture is drawn with ``parse_math=False``: a ``$`` in a label is a
dollar sign, never TeX.

* :func:`histogram_png`: the score distribution of an assignment (the class report);
* :func:`heatmap_png`: where an output's wrong elements are (the feedback page);
* :func:`findings_chart_png`: the class's most common mistakes (the class report).
"""

from __future__ import annotations

import io
import statistics
import textwrap
from functools import lru_cache

from grader.render.common import fmt_points, percent

__all__ = [
    "DPI",
    "HEAT_COLOURS",
    "KIND_COLOURS",
    "histogram_png",
    "heatmap_png",
    "heat_colour",
    "findings_chart_png",
    "display_size",
]

#: Dots per inch of every picture; a page shows them at 96 CSS pixels per inch, so they
#: stay sharp on a screen with 1.5 device pixels per CSS pixel.
DPI = 144

#: The heatmap's colour scale, from no wrong element (0) to all wrong (1): the page's
#: light grey to a dark red that the page's CSS does not use (the screenshot test looks
#: for it).
HEAT_COLOURS = ("#f6f8fa", "#ffc1ba", "#e5534b", "#8c1d18")

#: Bar colour per finding kind (the report's chart; the page's badges use the same hues).
KIND_COLOURS = {"mistake": "#cf222e", "blame": "#8250df", "pattern": "#bc4c00", "contract": "#1f6feb"}

_MUTED = "#59636e"
_GRID = "#eaeef2"
_AXIS = "#d1d9e0"
_FG = "#1f2328"


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def display_size(png: bytes) -> tuple[int, int]:
    """The width and height, in CSS pixels, to show a picture of this module at 96 per inch."""
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    return round(width * 96 / DPI), round(height * 96 / DPI)


def _plain_axes(ax) -> None:
    ax.tick_params(labelsize=8, colors=_MUTED, length=2.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(_AXIS)


def histogram_png(scores: list[float], max_score: float) -> bytes:
    """A small histogram of scores as percentages of ``max_score`` (bins of 10%), as PNG bytes."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, MultipleLocator

    top = float(max_score) if max_score and max_score > 0 else 1.0
    pcts = [percent(s, top) for s in scores]
    fig = Figure(figsize=(6.4, 2.3), layout="constrained")
    ax = fig.add_subplot()
    counts, _, _ = ax.hist(pcts, bins=10, range=(0.0, 100.0), color="#2f81f7", edgecolor="white", linewidth=1.0)
    if scores:
        mean = statistics.fmean(scores)
        x = percent(mean, top)
        ax.axvline(x, color=_FG, linestyle="--", linewidth=1.2)
        right = x > 75
        ax.annotate(f"mean {fmt_points(mean)} / {fmt_points(top)}", xy=(x, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-5 if right else 5, -3), textcoords="offset points", va="top",
                    ha="right" if right else "left", fontsize=8.5, color=_FG,
                    bbox={"boxstyle": "square,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax.set_xlim(0.0, 100.0)
    ax.set_ylim(0, max(1.0, float(max(counts))) * 1.2)
    ax.xaxis.set_major_locator(MultipleLocator(10))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_xlabel(f"score, as a percentage of the {fmt_points(top)} points", fontsize=9, color=_MUTED)
    ax.set_ylabel("notebooks", fontsize=9, color=_MUTED)
    _plain_axes(ax)
    ax.tick_params(labelsize=8.5)
    ax.grid(axis="y", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    return _png(fig)


@lru_cache(maxsize=1)
def _heat_cmap():
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("wrong", HEAT_COLOURS)


def heat_colour(share: float) -> tuple[int, int, int]:
    """The heatmap's colour for a share of wrong elements, as 0..255 RGB (for the tests)."""
    r, g, b, _ = _heat_cmap()(float(share))
    return round(255 * r), round(255 * g), round(255 * b)


def _index_ticks(axis, n_cells: int, n_elements: int | None) -> None:
    """Ticks at element indices: every one for a short axis, a few integers otherwise.

    ``n_elements`` is the axis's length when the grid's cells are blocks of elements
    (a long axis shrunk by block averages); the ticks then say which elements."""
    from matplotlib.ticker import FixedLocator, MaxNLocator

    if n_elements and n_elements != n_cells:
        step = -(-n_elements // n_cells)  # elements per cell (grader/compare.py: _block_mean)
        locs = MaxNLocator(nbins=5, integer=True).tick_values(0, n_elements - 1)
        locs = [v for v in locs if 0 <= v <= n_elements - 1]
        axis.set_major_locator(FixedLocator([(v + 0.5) / step - 0.5 for v in locs]))
        axis.set_major_formatter(lambda v, _: f"{(v + 0.5) * step - 0.5:.0f}")
    elif n_cells <= 12:
        axis.set_major_locator(FixedLocator(list(range(n_cells))))
    else:
        axis.set_major_locator(MaxNLocator(nbins=6, integer=True))


def heatmap_png(grid: list[list[float]], rows: str, cols: str,
                n_rows: int | None = None, n_cols: int | None = None) -> bytes:
    """Where an output's wrong elements are: ``grid[i][j]`` is the share (0..1) of wrong
    elements in that cell, drawn on a fixed 0..1 colour scale (:data:`HEAT_COLOURS`).

    A one-row grid (a vector such as ``db``) is drawn as a strip. ``rows`` and ``cols``
    name the axes; ``n_rows`` and ``n_cols`` are their lengths in elements when they are
    longer than the grid (the ticks then count elements, not cells)."""
    from matplotlib.figure import Figure

    h, w = len(grid), len(grid[0])
    strip = h == 1
    # fixed margins in inches (a layout engine would double the time to draw)
    width, height = (3.0, 0.95) if strip else (2.9, 2.5)
    left, right, bottom, top = (0.2 if strip else 0.55), 0.12, 0.48, 0.08
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((left / width, bottom / height, 1 - (left + right) / width, 1 - (bottom + top) / height))
    ax.imshow(grid, cmap=_heat_cmap(), vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest")
    _index_ticks(ax.xaxis, w, n_cols)
    if strip:
        ax.set_yticks([])
    else:
        _index_ticks(ax.yaxis, h, n_rows)
        ax.set_ylabel(rows, fontsize=8.5, color=_MUTED, parse_math=False)
    ax.set_xlabel(cols, fontsize=8.5, color=_MUTED, parse_math=False)
    # thin lines between cells, while they are big enough to see
    # (two line collections: minor ticks would cost more than the rest of the picture)
    if w <= 24 and h <= 24:
        ax.vlines([x - 0.5 for x in range(1, w)], -0.5, h - 0.5, colors="white", linewidth=0.8)
        ax.hlines([y - 0.5 for y in range(1, h)], -0.5, w - 0.5, colors="white", linewidth=0.8)
    ax.tick_params(labelsize=7.5, colors=_MUTED, length=2)
    for spine in ax.spines.values():
        spine.set_color(_AXIS)
    return _png(fig)


def findings_chart_png(rows: list[tuple[str, str, float, str]]) -> bytes:
    """The class's most common findings as horizontal bars, most common on top.

    Args:
        rows: ``(label, kind, share 0..1, value text)`` per bar, in order; ``kind``
            picks the colour (:data:`KIND_COLOURS`), ``value text`` is written at the
            end of the bar (say, ``"31% (4 of 13)"``).
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n = max(len(rows), 1)
    labels = ["\n".join(textwrap.wrap(label, 60, max_lines=2, placeholder=" …")) for label, _, _, _ in rows]
    fig = Figure(figsize=(10.0, 0.55 + 0.4 * n), layout="constrained")
    ax = fig.add_subplot()
    y = list(range(len(rows)))
    shares = [100 * max(0.0, min(1.0, s)) for _, _, s, _ in rows]
    colours = [KIND_COLOURS.get(kind, _MUTED) for _, kind, _, _ in rows]
    ax.barh(y, shares, height=0.62, color=colours)
    for yi, share, (_, _, _, text) in zip(y, shares, rows):
        inside = share > 78
        ax.text(share - 1.2 if inside else share + 1.2, yi, text, va="center", ha="right" if inside else "left",
                fontsize=8.5, color="white" if inside else _FG, parse_math=False)
    ax.set_yticks(y, labels, fontsize=8.5, color=_FG)
    for t in ax.get_yticklabels():
        t.set_parse_math(False)
    ax.set_xlim(0, 100)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # the first row on top
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0f}%")
    ax.set_xlabel("share of the assignment's notebooks", fontsize=8.5, color=_MUTED)
    _plain_axes(ax)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    kinds = [k for k in KIND_COLOURS if k in {kind for _, kind, _, _ in rows}]
    if len(kinds) > 1:
        from grader.render.common import finding_label

        ax.legend(handles=[Patch(color=KIND_COLOURS[k], label=finding_label(k)) for k in kinds],
                  loc="lower right", fontsize=7.5, frameon=False)
    return _png(fig)
