"""Grading on Gradescope: an autograder zip built here, run there for every submission.

Two halves, one module each:

* :mod:`grader.gradescope.build` (on the instructor's machine, ``grader export
  gradescope``): the zip Gradescope's autograder is configured with: ``setup.sh``,
  ``run_autograder``, the ``grader`` and ``solutions`` packages and the course
  configuration;
* :mod:`grader.gradescope.autograder` (in Gradescope's container, ``run_autograder``):
  find the student's notebook in ``/autograder/submission``, grade it as ``grader grade``
  does, and write ``/autograder/results/results.json``, a rendering of the
  :class:`~grader.results.SubmissionResult` by :mod:`grader.gradescope.results`; where
  the sandbox cannot run, :mod:`grader.gradescope.fallback` locks the reference away and
  the notebook runs as an unprivileged user.

docs/gradescope.md tells the instructor's side of it.
"""
