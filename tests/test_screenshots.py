"""The pages as a browser draws them: a feedback page with findings and heatmaps, and a
class report with its chart of the most common mistakes, screenshotted by headless
Chromium and checked pixel by pixel.

Does the browser draw the pages, pictures included (not blank, not a broken image)?
Does the heatmap show a pattern, and do the chart's bars follow the numbers?
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from grader.render import render_feedback, render_report
from grader.render.charts import KIND_COLOURS, heat_colour
from test_render import (
    BLAME,
    NO_1_OVER_M,
    border_where,
    finding_class_of_13,
    submission,
    with_findings,
    wrong_values,
)

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 2000


def screenshot(chromium: str, page: str, tmp_path: Path, name: str) -> np.ndarray:
    """The page drawn in a 1280 x 2000 window, as an (H, W, 3) array of 0..255 integers."""
    import matplotlib.image

    html, png = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
    html.write_text(page, encoding="utf-8")
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}",
           f"--screenshot={png}", f"--window-size={WIDTH},{HEIGHT}", html.as_uri()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert png.exists(), f"Chromium wrote no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"
    image = matplotlib.image.imread(png)
    assert image.shape[:2] == (HEIGHT, WIDTH)
    return np.round(image[:, :, :3] * 255).astype(int)


def assert_not_blank(image: np.ndarray) -> None:
    assert image.std() > 10, "the page is (nearly) one colour"
    q = image // 4
    colours = np.unique((q[:, :, 0] << 12) | (q[:, :, 1] << 6) | q[:, :, 2])
    assert len(colours) > 300, f"only {len(colours)} distinct colours: text and pictures are missing"


def pixels_of(image: np.ndarray, rgb: tuple[int, int, int], tol: int = 6) -> np.ndarray:
    """A mask of the pixels of one colour (within ``tol`` per channel)."""
    return (np.abs(image - np.array(rgb)) <= tol).all(axis=2)


def longest_run(mask: np.ndarray) -> int:
    """The longest horizontal run of True in a 2-D mask (a bar's length, not counting a
    legend's patch of the same colour further along the row)."""
    padded = np.pad(mask.astype(np.int8), ((0, 0), (1, 1)))
    edges = np.diff(padded, axis=1)
    _, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)  # same row order: every run opens and closes in its row
    return int((ends - starts).max()) if len(starts) else 0


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def test_a_feedback_page_with_findings_and_heatmaps(chromium, tmp_path):
    exercise = with_findings(NO_1_OVER_M, BLAME, name="conv_backward", checks=(
        wrong_values(1, "dA_prev", border_where(9, 7)), wrong_values(1, "dW", border_where(5, 5))))
    page = render_feedback(submission(assignment="02_conv_pool_backward", exercises=(exercise,)))
    image = screenshot(chromium, page, tmp_path, "feedback")
    assert_not_blank(image)

    # the heatmaps: all-wrong cells in the scale's darkest red, which the page's CSS does not use
    dark = pixels_of(image, heat_colour(1.0))
    assert dark.sum() > 2_000, "no heatmap drawn"
    rows, cols = np.nonzero(dark)
    region = image[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    assert region.std() > 40, "the heatmaps' region is uniform"
    light = pixels_of(region, heat_colour(0.0), tol=3).sum()
    assert light > 2_000, "no right (light) cells inside the heatmaps: the border pattern is not drawn"
    # a border pattern: the middle of the first heatmap is light, its edge dark
    left = cols < np.median(cols)  # the first heatmap is the left one
    r0, r1, c0, c1 = rows[left].min(), rows[left].max(), cols[left].min(), cols[left].max()
    middle = image[(r0 + r1) // 2 - 3:(r0 + r1) // 2 + 3, (c0 + c1) // 2 - 3:(c0 + c1) // 2 + 3]
    assert pixels_of(middle, heat_colour(0.0), tol=3).mean() > 0.9


def test_a_class_report_with_its_chart_of_common_mistakes(chromium, tmp_path):
    page = render_report(finding_class_of_13())
    image = screenshot(chromium, page, tmp_path, "report")
    assert_not_blank(image)

    # one bar per finding, coloured by kind; 4 of 13 (mistake) is twice as long as 2 of 13 (blame)
    def bar_width(kind: str) -> int:
        mask = pixels_of(image, hex_rgb(KIND_COLOURS[kind]), tol=3)
        assert mask.sum() > 500, f"no {kind} bar drawn"
        return longest_run(mask)

    mistake, blame, pattern, contract = (bar_width(k) for k in ("mistake", "blame", "pattern", "contract"))
    assert 1.7 < mistake / blame < 2.3, (mistake, blame)
    assert pattern > mistake  # the longest pattern bar is 1 of 3 (33%), the mistake 4 of 13 (31%)
    assert 0.8 < contract / (blame / 2) < 1.2, (contract, blame)  # 1 of 13 against 2 of 13
