"""Where an exercise must be registered, and which registrations are missing.

An exercise lives in several places (docs/adding-an-exercise.md walks through them):

==========  =====================================  ==================================================
piece       where                                  what
==========  =====================================  ==================================================
reference   ``solutions/<module>.py``,             the function, with START/END CODE blocks, exported
            ``solutions/__init__.py``              (imported and in ``__all__``)
exercise    ``grader/exercises.py``                its ``EXERCISES`` entry: notebook, outputs
notebook    ``assignments/src/<stem>.md``          a ``{graded}`` cell and its ``{selfcheck}`` right under it
cases       ``grader/cases.py``                    a generator, ``PUBLIC_PLAN`` and ``HIDDEN_PLAN``
gradient    ``grader/reference.py``                a gradient spec in ``_SPECS``, or ``NO_GRADIENT``
points      ``grader/config.py``                   ``DEFAULT_POINTS`` (``course.toml [points]`` overrides)
mistakes    ``grader/mistakes/``,                  at least one catalogued mistake, listed in the docs
            ``docs/mistakes.md``
==========  =====================================  ==================================================

Optional: ``SPEED_PLAN`` (speed feedback) with its advice in ``grader/speed.py``,
``HELPERS`` (blame on the functions it calls), ``AXES`` (heatmap axis names).

:func:`course_problems` returns one line per missing or inconsistent registration,
naming the exercise, the file and what to add; :func:`checklist` is the same per piece
for one exercise (``python -m grader.author new-exercise``). Nothing here runs a kernel.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable

from grader.author.notebooks import AuthoringError, CellSpec, _blocks, parse_source

__all__ = ["Piece", "PIECES", "course_problems", "build_problems", "checklist", "checklist_text", "case_problems",
           "skeletons", "ROOT"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Piece:
    """One place an exercise is registered."""

    key: str
    where: str
    what: str
    optional: bool = False


PIECES: tuple[Piece, ...] = (
    Piece("reference", "solutions/<module>.py, solutions/__init__.py",
          "the reference function with START/END CODE blocks, imported in solutions/__init__.py and in __all__"),
    Piece("exercise", "grader/exercises.py", "an Exercise in EXERCISES (its notebook, its outputs), in teaching order"),
    Piece("notebook", "assignments/src/<stem>.md", "a {graded} cell with its {selfcheck} cell right under it"),
    Piece("cases", "grader/cases.py", "a case generator in GENERATORS, PUBLIC_PLAN and HIDDEN_PLAN"),
    Piece("gradient", "grader/reference.py", "a gradient spec in _SPECS, or the name in NO_GRADIENT"),
    Piece("points", "grader/config.py", "DEFAULT_POINTS (course.toml [points] may override)"),
    Piece("mistakes", "grader/mistakes/, docs/mistakes.md",
          "at least one catalogued mistake, listed in docs/mistakes.md"),
    Piece("speed", "grader/cases.py, grader/speed.py", "SPEED_PLAN and its advice in _HOW (optional)", optional=True),
)


def _source_cells(root: Path) -> dict[str, list[CellSpec]]:
    """The parsed cells of every notebook source, by stem (an unparsable source: an
    AuthoringError, which build reports the same way)."""
    out = {}
    for src in sorted((root / "assignments" / "src").glob("*.md")):
        out[src.stem] = parse_source(src.read_text(encoding="utf-8"), str(src.relative_to(root)))
    return out


def _reference(name: str) -> Callable | None:
    import solutions

    fn = getattr(solutions, name, None)
    return fn if callable(fn) else None


def _module_of(stem: str) -> str:
    """The solutions module that holds the notebook's exercises (``dense``), or a guess."""
    from grader.exercises import NOTEBOOKS

    for other in NOTEBOOKS.get(stem, ()):
        fn = _reference(other)
        if fn is not None:
            return fn.__module__.rsplit(".", 1)[-1]
    return "<module>"


def _reference_problems(name: str, stem: str) -> list[str]:
    import solutions

    fn = _reference(name)
    module = _module_of(stem)
    if fn is None:
        return [f"{name}: no reference function: write it in solutions/{module}.py and import it in "
                "solutions/__init__.py"]
    problems = []
    if name not in getattr(solutions, "__all__", ()):
        problems.append(f'{name}: not in solutions.__all__: add "{name}" to __all__ in solutions/__init__.py '
                        "(grader mutants and the tests look the reference up there)")
    try:
        blocks = _blocks(inspect.getsource(fn).splitlines(), name)
    except AuthoringError as exc:
        return problems + [f"{name}: the reference's blocks are broken: {exc}"]
    except (OSError, TypeError):
        return problems + [f"{name}: the source of solutions.{name} cannot be read"]
    if not blocks:
        problems.append(f"{name}: the reference in solutions/{module}.py has no ### START CODE HERE ### block: "
                        "mark what students write (docs/authoring.md)")
    return problems


def _notebook_problems(name: str, stem: str, cells: dict[str, list[CellSpec]]) -> list[str]:
    where = f"assignments/src/{stem}.md"
    if stem not in cells:
        return [f"{name}: its notebook {stem} has no source {where}"]
    mine = cells[stem]
    graded = [i for i, c in enumerate(mine) if c.kind == "graded" and c.names == (name,)]
    if not graded:
        elsewhere = [s for s, cs in cells.items() if any(c.kind == "graded" and c.names == (name,) for c in cs)]
        if elsewhere:
            return [f"{name}: graded in assignments/src/{elsewhere[0]}.md, but EXERCISES puts it in notebook {stem}"]
        return [f"{name}: {where} has no ```{{graded}} {name}``` cell"]
    if len(graded) > 1:
        return [f"{name}: {where} has {len(graded)} ```{{graded}} {name}``` cells; one only"]
    after = mine[graded[0] + 1] if graded[0] + 1 < len(mine) else None
    if after is None or after.kind != "selfcheck" or after.names != (name,):
        return [f"{name}: {where} has no ```{{selfcheck}} {name}``` cell right under its graded cell"]
    return []


def _cases_problems(name: str) -> list[str]:
    from grader.cases import GENERATORS, HIDDEN_PLAN, PUBLIC_PLAN

    problems = []
    if name not in GENERATORS:
        problems.append(f"{name}: no case generator: write _{name}(rng, ...) and add it to GENERATORS in "
                        "grader/cases.py")
    if not PUBLIC_PLAN.get(name):
        problems.append(f"{name}: no public cases: add PUBLIC_PLAN[\"{name}\"] in grader/cases.py "
                        "(then make notebooks)")
    if not HIDDEN_PLAN.get(name):
        problems.append(f"{name}: no hidden cases: add HIDDEN_PLAN[\"{name}\"] in grader/cases.py")
    return problems


def _gradient_problems(name: str) -> list[str]:
    from grader.reference import NO_GRADIENT, gradient_exercises

    has = name in gradient_exercises()
    if has and name in NO_GRADIENT:
        return [f"{name}: both a gradient spec in _SPECS and in NO_GRADIENT (grader/reference.py): keep one"]
    if not has and name not in NO_GRADIENT:
        return [f"{name}: no gradient check: add _SPECS[\"{name}\"] in grader/reference.py (the forward pass it "
                "differentiates), or add it to NO_GRADIENT if its outputs are not gradients"]
    return []


def _points_problems(name: str) -> list[str]:
    from grader.config import DEFAULT_POINTS

    if name not in DEFAULT_POINTS:
        return [f"{name}: no points: add it to DEFAULT_POINTS in grader/config.py (course.toml [points] may "
                "override)"]
    return []


def _mistakes_problems(name: str, root: Path) -> list[str]:
    from grader.mistakes import mistakes_for

    found = mistakes_for(name)
    if not found:
        return [f"{name}: no catalogued mistake: add one in grader/mistakes/ (docs/mistakes.md, 'Adding a "
                f"mistake'), then run grader mutants --exercise {name}"]
    docs = root / "docs" / "mistakes.md"
    if not docs.is_file():
        return []
    text = docs.read_text(encoding="utf-8")
    head = f"**{name}**"
    if head not in text:
        return [f"{name}: docs/mistakes.md has no table for it: add a {head} section listing its mistakes"]
    section = text.split(head, 1)[1].split("**", 1)[0]
    return [f"{name}: docs/mistakes.md does not list mistake {m.id}: add the row "
            f"| `{m.id}` | {m.title.replace('|', '/')} | under {head}"
            for m in found if f"| `{m.id}` | {m.title.replace('|', '/')} |" not in section]


def _speed_problems(name: str) -> list[str]:
    from grader.cases import GENERATORS, SPEED_PLAN

    if name in SPEED_PLAN and name not in GENERATORS:
        return [f"{name}: in SPEED_PLAN but has no case generator"]
    return []


def _exercise_problems(name: str, stem: str | None) -> list[str]:
    from grader.exercises import EXERCISES

    if name not in EXERCISES:
        where = f'"{stem}", ...' if stem else "NOTEBOOK, ..."
        return [f'{name}: not an exercise: add Exercise("{name}", {where}) to EXERCISES in grader/exercises.py']
    if stem is not None and EXERCISES[name].notebook != stem:
        return [f"{name}: EXERCISES puts it in notebook {EXERCISES[name].notebook}, not {stem}"]
    return []


def checklist(name: str, stem: str | None = None, root: Path = ROOT) -> list[tuple[Piece, list[str]]]:
    """Every piece of exercise ``name`` (in notebook ``stem``, by default the one
    EXERCISES says) with its problems: an empty list when that piece is in place."""
    from grader.exercises import EXERCISES

    stem = stem or (EXERCISES[name].notebook if name in EXERCISES else None)
    cells = _source_cells(root)
    by_piece = {
        "reference": lambda: _reference_problems(name, stem or ""),
        "exercise": lambda: _exercise_problems(name, stem),
        "notebook": lambda: _notebook_problems(name, stem, cells) if stem else
        [f"{name}: which notebook? pass --notebook"],
        "cases": lambda: _cases_problems(name),
        "gradient": lambda: _gradient_problems(name),
        "points": lambda: _points_problems(name),
        "mistakes": lambda: _mistakes_problems(name, root),
        "speed": lambda: _speed_problems(name),
    }
    return [(piece, by_piece[piece.key]()) for piece in PIECES]


def checklist_text(name: str, stem: str, outputs: tuple[str, ...], root: Path = ROOT) -> tuple[str, int]:
    """The checklist as text (``python -m grader.author new-exercise``): each piece ✓ in
    place, ✗ missing (with its problems and a skeleton to write) or · optional and not set
    up; and how many required pieces are missing."""
    from grader.cases import SPEED_PLAN

    code = skeletons(name, stem, outputs)
    lines = [f"Adding {name} to {stem} (docs/adding-an-exercise.md walks through an example):", ""]
    todo = 0
    for piece, problems in checklist(name, stem, root):
        mark = "✗" if problems else ("·" if piece.key == "speed" and name not in SPEED_PLAN else "✓")
        lines.append(f"{mark} {piece.key:<10} {piece.where}: {piece.what}")
        if problems and not piece.optional:
            todo += 1
            lines += [f"    {line}" for line in problems]
            lines.append(textwrap.indent(code[piece.key], "      "))
        lines.append("")
    then = f"make notebooks, make validate NB={stem}, grader mutants --exercise {name}, make examples."
    lines.append(f"{todo} piece{'s' if todo != 1 else ''} to go. Then: {then}" if todo else f"{name} is registered everywhere. Now: {then}")
    return "\n".join(lines), todo


def _global_problems(root: Path, cells: dict[str, list[CellSpec]]) -> list[str]:
    """What is registered for a name that is no exercise, and the notebooks' own lists."""
    import solutions
    from grader.cases import GENERATORS, HIDDEN_PLAN, PUBLIC_PLAN, SPEED_PLAN
    from grader.config import DEFAULT_POINTS
    from grader.exercises import AXES, EXERCISES, HELPERS, NOTEBOOKS, PROVIDED
    from grader.mistakes import CATALOG, all_mistakes
    from grader.mistakes.blame import ORCHESTRATED
    from grader.reference import NO_GRADIENT, gradient_exercises

    all_mistakes()  # loads the catalog
    problems = []
    registries = {
        "GENERATORS in grader/cases.py": GENERATORS, "PUBLIC_PLAN in grader/cases.py": PUBLIC_PLAN,
        "HIDDEN_PLAN in grader/cases.py": HIDDEN_PLAN, "SPEED_PLAN in grader/cases.py": SPEED_PLAN,
        "_SPECS in grader/reference.py": gradient_exercises(), "NO_GRADIENT in grader/reference.py": NO_GRADIENT,
        "DEFAULT_POINTS in grader/config.py": DEFAULT_POINTS, "the mistake catalog (grader/mistakes/)": CATALOG,
        "AXES in grader/exercises.py": AXES, "HELPERS in grader/exercises.py": HELPERS,
    }
    for where, names in registries.items():
        for name in names:
            if name not in EXERCISES:
                problems.append(f"{name}: registered in {where}, but not an exercise of EXERCISES "
                                "(grader/exercises.py): a typo, or a missing Exercise")
    for caller, helpers in HELPERS.items():
        if caller in EXERCISES and caller not in ORCHESTRATED:
            problems.append(f"{caller}: has HELPERS, but blame has no orchestration of it: add one to "
                            "_orchestrate and ORCHESTRATED in grader/mistakes/blame.py, or drop its HELPERS")
        for h in helpers:
            if h not in EXERCISES:
                problems.append(f"{caller}: its helper {h} (HELPERS in grader/exercises.py) is not an exercise")
    for stem in NOTEBOOKS:
        if stem not in PROVIDED:
            problems.append(f"{stem}: no PROVIDED entry in grader/exercises.py (the functions given complete)")
    for stem, specs in cells.items():
        where = f"assignments/src/{stem}.md"
        if stem not in NOTEBOOKS:
            problems.append(f"{stem}: {where} exists, but no exercise of EXERCISES is in notebook {stem}")
            continue
        graded = [c.names[0] for c in specs if c.kind == "graded"]
        for name in graded:
            if name not in EXERCISES:
                problems.append(f"{name}: {where} grades it, but it is not an exercise: add it to EXERCISES "
                                "in grader/exercises.py")
        known = [n for n in graded if n in EXERCISES and EXERCISES[n].notebook == stem]
        order = [n for n in NOTEBOOKS[stem] if n in known]
        if known != order:
            problems.append(f"{stem}: {where} teaches {', '.join(known)} in that order, but EXERCISES lists "
                            f"{', '.join(order)}: list them in the notebook's order")
        for name in (n for c in specs if c.kind == "selfcheck" for n in c.names):
            if name not in EXERCISES:
                problems.append(f"{name}: {where} has a self-check for it, but it is not an exercise")
        provided = [n for c in specs if c.kind == "provided" for n in c.names]
        for name in PROVIDED.get(stem, ()):
            if name not in provided:
                problems.append(f"{name}: in PROVIDED[\"{stem}\"], but no ```{{provided}}``` cell of {where} "
                                "shows it")
        for name in provided:
            if name not in PROVIDED.get(stem, ()):
                problems.append(f"{name}: {where} provides it, but it is not in PROVIDED[\"{stem}\"] "
                                "(grader/exercises.py)")
            elif _reference(name) is None:
                problems.append(f"{name}: provided in {where}, but solutions has no function {name}")
            elif name not in getattr(solutions, "__all__", ()):
                problems.append(f'{name}: not in solutions.__all__: add "{name}" to __all__ in solutions/__init__.py')
    return problems


def course_problems(root: Path = ROOT) -> list[str]:
    """Every missing or inconsistent registration of the course, one line each: empty
    when every exercise is registered everywhere."""
    from grader.exercises import EXERCISES

    try:
        cells = _source_cells(root)
    except AuthoringError as exc:
        return [str(exc)]
    problems = _global_problems(root, cells)
    for name, ex in EXERCISES.items():
        problems += _reference_problems(name, ex.notebook)
        problems += _notebook_problems(name, ex.notebook, cells)
        problems += _cases_problems(name)
        problems += _gradient_problems(name)
        problems += _points_problems(name)
        problems += _mistakes_problems(name, root)
        problems += _speed_problems(name)
    return list(dict.fromkeys(problems))


def build_problems(root: Path = ROOT) -> list[str]:
    """The registrations ``make notebooks`` itself needs: each graded cell an exercise of its
    notebook, each exercise a graded cell, a reference and public cases."""
    from grader.exercises import EXERCISES

    cells = _source_cells(root)
    problems = []
    for stem, specs in cells.items():
        for name in (n for c in specs if c.kind in ("graded", "selfcheck") for n in c.names):
            if name not in EXERCISES:
                problems.append(f"{name}: assignments/src/{stem}.md grades it, but it is not an exercise: add "
                                f'Exercise("{name}", "{stem}", ...) to EXERCISES in grader/exercises.py')
    for name, ex in EXERCISES.items():
        problems += _notebook_problems(name, ex.notebook, cells)
        problems += [p for p in _cases_problems(name) if "hidden" not in p]
    return list(dict.fromkeys(problems))


def _ith_case(name: str, plan: list[tuple], seed: int, i: int):
    from grader.cases import make_cases

    return make_cases(name, plan[:i], seed)[-1]


def case_problems(seed: int) -> list[str]:
    """Draw every case of every plan (public, hidden with the course seed, speed) and run
    the reference and the gradient targets on it: a generator or a plan that does not fit
    is named here, in one line, instead of as a traceback while grading."""
    from grader.author.public import PUBLIC_SEED
    from grader.cases import GENERATORS, HIDDEN_PLAN, PUBLIC_PLAN, SPEED_PLAN, speed_case
    from grader.exercises import EXERCISES
    from grader.reference import expected_output, gradient_targets

    problems = []
    for name in EXERCISES:
        if name not in GENERATORS or _reference(name) is None:
            continue
        draws = []
        for plan_name, plan, plan_seed in (("PUBLIC_PLAN", PUBLIC_PLAN.get(name, []), PUBLIC_SEED),
                                           ("HIDDEN_PLAN", HIDDEN_PLAN.get(name, []), seed)):
            for i, dims in enumerate(plan, start=1):
                # the i-th case exactly as grading draws it (its rng depends on its position)
                draws.append((f"{plan_name} case {i} {dims!r}",
                               partial(_ith_case, name, plan, plan_seed, i)))
        if name in SPEED_PLAN:
            draws.append((f"SPEED_PLAN {SPEED_PLAN[name]!r}", partial(speed_case, name, seed)))
        for what, draw in draws:
            step = "the generator"
            try:
                case = draw()
                step = "the reference"
                expected_output(case)
                step = "the gradient spec"
                gradient_targets(case)
            except Exception as exc:  # noqa: BLE001 - the author's code: say where it broke
                message = " ".join(str(exc).split())[:160]
                problems.append(f"{name}: {what}: {step} raised {type(exc).__name__}: {message}")
    return problems


def skeletons(name: str, stem: str, outputs: tuple[str, ...]) -> dict[str, str]:
    """What to write for each piece of a new exercise, as text to paste (the walkthrough,
    docs/adding-an-exercise.md, shows a complete example)."""
    module = _module_of(stem)
    out = ", ".join(outputs)
    first = outputs[0]
    returned = f'("{first}",)' if len(outputs) == 1 else "(" + ", ".join(f'"{o}"' for o in outputs) + ")"
    return {
        "reference": textwrap.dedent(f'''\
            # solutions/{module}.py
            def {name}(dout, cache):
                """What it computes, in one line.

                Arguments:
                dout -- upstream gradient, shape (...)
                cache -- what the forward pass stored, element by element

                Returns:
                {first} -- shape (...)
                """
                ### START CODE HERE ###
                {first} = ...
                ### END CODE HERE ###
                return {out}

            # solutions/__init__.py: import it from solutions.{module}, and add "{name}" to __all__'''),
        "exercise": textwrap.dedent(f'''\
            # grader/exercises.py, in EXERCISES, where the notebook teaches it
            Exercise("{name}", "{stem}", {returned}),'''),
        "notebook": textwrap.dedent(f'''\
            <!-- assignments/src/{stem}.md -->
            ## Exercise N – `{name}`

            The formula and why (LaTeX), the shape of every array, the pitfalls.

            ```{{graded}} {name}
            ```

            ```{{selfcheck}} {name}
            ```

            +++'''),
        "cases": textwrap.dedent(f'''\
            # grader/cases.py
            def _{name}(rng, shape):
                ...  # draw the arguments; make caches with the provided forward pass
                return (dout, cache), f"shape {{shape}}"

            GENERATORS:  "{name}": _{name},
            PUBLIC_PLAN: "{name}": [((3, 4),), ((1, 5),)],
            HIDDEN_PLAN: "{name}": [((5, 7),), ((3, 11),)],   # distinct dimensions, every branch'''),
        "gradient": textwrap.dedent(f'''\
            # grader/reference.py, in _SPECS: each output as the gradient of the provided forward pass
            "{name}": lambda c: [GradientTarget(
                "{first}", None,                                          # its name; where it is in the result
                scalarize(lambda x: solutions.FORWARD(x)[0], c.args[0]),  # x -> sum(forward(x) * dout)
                c.args[1])],                                              # the point: the forward's input
            # or, if its outputs are no gradients: add "{name}" to NO_GRADIENT'''),
        "points": f'# grader/config.py, in DEFAULT_POINTS\n"{name}": 1,',
        "mistakes": textwrap.dedent(f'''\
            # grader/mistakes/<family>.py
            @mistake("{name}", "some_id", "did this (a phrase after 'N% of the class ...')",
                     "What to do instead.")
            def {name}_some_id(dout, cache):
                ...  # the reference with that one mistake

            <!-- docs/mistakes.md -->
            **{name}**

            | id | the student ... |
            |---|---|
            | `some_id` | did this (a phrase after 'N% of the class ...') |'''),
        "speed": textwrap.dedent(f'''\
            # grader/cases.py, in SPEED_PLAN (optional: for a function students may write with loops)
            "{name}": (...),        # one larger case
            # grader/speed.py, in _HOW: how to make it fast'''),
    }
