"""HTML renderings of grading results: the feedback page of one student's notebook and
the instructor's class report.

Pure functions that return the page's text; writing the files is the caller's job.
Templates live in ``grader/render/templates`` and are rendered with autoescaping on:
everything a submission produced (names, printed output, tracebacks) is untrusted.
"""

from grader.render.feedback import render_feedback
from grader.render.report import render_report

__all__ = ["render_feedback", "render_report"]
