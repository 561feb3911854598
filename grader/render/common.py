"""What the HTML renderers share: the Jinja environment, status words, number formats.

Every page is self-contained (inline CSS, no scripts, no external assets) and every
value reaches the page through Jinja's autoescaping: student names, printed output and
tracebacks are untrusted text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = [
    "STATUS_LABELS",
    "STATUS_ICONS",
    "OUTPUT_LIMIT",
    "environment",
    "status_label",
    "fmt_points",
    "fmt_seconds",
    "fmt_percent",
    "cap_text",
    "clean_text",
    "verdict",
    "feedback_href",
    "FINDING_LABELS",
    "finding_label",
    "finding_sentence",
]

#: How each exercise status reads on a page (colour is never the only cue).
STATUS_LABELS: dict[str, str] = {
    "passed": "passed",
    "partial": "partial",
    "failed": "failed",
    "not_implemented": "not implemented yet",
    "error": "raised an error",
    "missing": "missing",
    "timeout": "timed out",
    "not_run": "not run",
}

#: A glyph per status, shown next to the label (decorative: hidden from screen readers).
STATUS_ICONS: dict[str, str] = {
    "passed": "✓",
    "partial": "◐",
    "failed": "✗",
    "not_implemented": "○",
    "error": "⚠",
    "missing": "?",
    "timeout": "◷",
    "not_run": "–",
}

#: How each kind of finding reads on a badge (grader/results.py: FINDING_KINDS).
FINDING_LABELS: dict[str, str] = {
    "mistake": "Likely mistake",
    "blame": "Caused by a helper",
    "pattern": "Pattern",
    "contract": "Contract",
}

#: Characters of untrusted text (printed output, a traceback) shown per block.
OUTPUT_LIMIT = 20_000
TRUNCATED = "\n[truncated]"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, str(status))


def status_class(status: str) -> str:
    """A CSS class name for a status; unknown statuses get a neutral one."""
    return f"st-{status}" if status in STATUS_LABELS else "st-not_run"


def finding_label(kind: str) -> str:
    return FINDING_LABELS.get(kind, str(kind).replace("_", " ").capitalize())


def finding_class(kind: str) -> str:
    """A CSS class name for a finding kind; unknown kinds get a neutral one."""
    return f"fk-{kind}" if kind in FINDING_LABELS else "fk-other"


_YOUR = re.compile(r"\byour\b")


def finding_sentence(title: str, exercise: str, *, instructor: bool = False) -> tuple[str, str]:
    """A finding's title as a sentence, split as ``(subject, rest)``.

    Titles are phrases that follow "N% of the class ...": the student did something
    (``"forgot the 1/m in dW and db"``: "you forgot ..."), or, when the phrase starts
    with a verb in the third person (``"is consistent with your relu_backward, which is
    wrong"``, ``"changes its input dA in place"``), the function did: "L_model_backward
    is consistent with ...". For the instructor (``instructor=True``) the student is
    "they" and "your" becomes "their"; the subject of a student's phrase is then empty
    (the report writes "31% (4 of 13) forgot the 1/m ...").
    """
    title = clean_text(title).strip()
    first = title.split(" ", 1)[0].lower()
    if instructor:
        title = _YOUR.sub("their", title)
    if first.endswith("s"):  # is, has, changes, draws, returns
        return exercise, title
    return ("" if instructor else "you"), title


def fmt_points(x: float | int | None) -> str:
    """``2`` for 2.0, ``1.33`` for 1.3333: at most two decimals, no trailing zeros."""
    if x is None:
        return "–"
    text = f"{float(x):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_seconds(s: float | int | None) -> str:
    """``0.4 s``, ``12.3 s``, ``2 min 05 s``."""
    if s is None:
        return "–"
    s = max(float(s), 0.0)
    if s < 60:
        return f"{s:.1f} s"
    minutes, seconds = divmod(int(round(s)), 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def fmt_percent(fraction: float) -> str:
    return f"{100 * fraction:.0f}%"


def percent(score: float, max_score: float) -> float:
    """Score as a percentage in [0, 100] (0 when nothing was available)."""
    if not max_score or max_score <= 0:
        return 0.0
    return max(0.0, min(100.0, 100.0 * float(score) / float(max_score)))


def clean_text(value: Any) -> str:
    """Untrusted text as a plain string: no terminal colour codes, no control characters.

    Escaping for HTML is left to the template's autoescaping."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return _CONTROL.sub("", _ANSI.sub("", text))


def cap_text(value: Any, limit: int = OUTPUT_LIMIT) -> str:
    """:func:`clean_text`, cut to ``limit`` characters with a ``[truncated]`` marker."""
    text = clean_text(value)
    if len(text) > limit:
        return text[:limit] + TRUNCATED
    return text


def verdict(score: float, max_score: float, all_passed: bool) -> str:
    """``pass``, ``partial`` or ``fail`` for a whole notebook."""
    if all_passed and max_score > 0:
        return "pass"
    if score > 0:
        return "partial"
    return "fail"


VERDICT_LABELS = {"pass": "Pass", "partial": "Partial credit", "fail": "Fail"}
VERDICT_ICONS = {"pass": "✓", "partial": "◐", "fail": "✗"}


def feedback_href(student: str, assignment: str) -> str:
    """The feedback page of a student's notebook, relative to the report's folder."""
    return f"feedback/{quote(student, safe='')}/{quote(assignment, safe='')}.html"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja environment of the page templates (autoescaping on, strict undefined)."""
    env = Environment(
        loader=PackageLoader("grader", "render/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        points=fmt_points,
        seconds=fmt_seconds,
        pct=fmt_percent,
        status_label=status_label,
        status_class=status_class,
        finding_label=finding_label,
        finding_class=finding_class,
    )
    env.globals.update(
        STATUS_ICONS=STATUS_ICONS,
        VERDICT_LABELS=VERDICT_LABELS,
        VERDICT_ICONS=VERDICT_ICONS,
    )
    return env
