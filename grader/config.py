"""The course configuration: one frozen object, read once, passed down explicitly.

It comes from a TOML file (``course.toml`` by default; see docs/grading.md):

.. code-block:: toml

    [course]
    seed = 20261122              # hidden cases are drawn from it; keep it secret

    [points]                     # points per exercise; unnamed ones keep their default
    conv_backward = 6

    [limits]
    cell_timeout = 60            # seconds per cell before it is interrupted
    notebook_timeout = 600       # seconds for a whole notebook, then the worker is killed
    output_limit = 100000        # characters of printed output kept per notebook

    [sandbox]                    # limits of each notebook's sandbox (docs/threat-model.md)
    memory_mb = 4096             # address space per process
    cpu_seconds = 900            # CPU time per process
    processes = 512              # processes and threads of the sandbox user
    file_size_mb = 256           # largest file it may write
    open_files = 1024
    tmp_mb = 512                 # size of /tmp and of /dev/shm
    job_mb = 1024                # disk its job folder may take; past it, it is stopped
    uid = 65534                  # the unprivileged user it runs as (when the grader is root)
    gid = 65534

    [canvas]
    roster = "roster.csv"        # folder name -> Canvas identity, for canvas.csv (relative
                                 # to this file's folder)

    [gradescope]                 # the Gradescope autograder (docs/gradescope.md)
    visibility = "visible"       # each exercise's test: visible, hidden, after_due_date,
                                 # after_published
    exercise_visibility = { conv_backward = "after_due_date" }   # per exercise
    sandbox = "auto"             # auto (bubblewrap if it runs there), required, off
    fallback_user = 65534        # without the sandbox, as root: the uid and gid the
    fallback_group = 65534       #   notebook runs as

    [tolerance]                  # an element passes when |got - expected| <=
    rtol = 1e-7                  #   atol_scale * max|expected| + rtol * |expected|
    atol_scale = 1e-9

    [environment]                # the versions grading runs with, when not this machine's:
    python = "3.11"              # `make release` records them for grader check's parity
    numpy = "1.26.4"             # warnings (docs/release.md); they affect no grade

Every key is optional.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from grader.compare import ATOL_SCALE, RTOL
from grader.exercises import EXERCISES

__all__ = ["SpeedConfig", "Tolerance", "GradingEnvironment", "GradescopeConfig", "VISIBILITIES", "SANDBOX_MODES", "ConfigError", "Limits",
           "SandboxLimits", "CourseConfig", "DEFAULT_POINTS", "load_config"]

#: Default points: a helper is worth less than a whole layer.
DEFAULT_POINTS: Mapping[str, float] = MappingProxyType({
    "relu_backward": 1,
    "sigmoid_backward": 1,
    "linear_backward": 2,
    "linear_activation_backward": 2,
    "L_model_backward": 3,
    "update_parameters": 1,
    "conv_backward": 4,
    "create_mask_from_window": 1,
    "distribute_value": 1,
    "pool_backward": 3,
    "batchnorm_backward": 3,
    "batchnorm_backward_alt": 2,
    "dropout_backward": 2,
})


def _default_seed() -> int | None:
    """The hidden cases' seed when ``[course] seed`` sets none (grader/cases.py); None in a
    student's bundle, which has no hidden cases (docs/release.md)."""
    try:
        from grader.cases import DEFAULT_SEED as seed
    except ModuleNotFoundError as exc:
        if exc.name != "grader.cases":
            raise
        return None
    return seed


DEFAULT_SEED = _default_seed()


class ConfigError(ValueError):
    """A mistake in the course configuration (an instructor's mistake: exit status 2)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one notebook's run.

    Attributes:
        cell_timeout: seconds one cell (or one exercise's hidden cases) may run before
            the kernel is interrupted and grading moves on.
        notebook_timeout: seconds for the whole notebook; then the worker and its
            kernel are killed.
        output_limit: characters of printed output kept per notebook (the rest is
            dropped as it arrives, so a notebook that prints gigabytes costs nothing).
        startup_timeout: seconds for the kernel to start.
    """

    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    output_limit: int = 100_000
    startup_timeout: float = 60.0


@dataclass(frozen=True)
class SandboxLimits:
    """What one sandboxed notebook may use (see docs/threat-model.md).

    Attributes:
        memory_mb: address space per process (RLIMIT_AS).
        cpu_seconds: CPU time per process (RLIMIT_CPU).
        processes: processes and threads of the sandbox user (RLIMIT_NPROC); when the
            grader is not root this comes on top of what the user already runs.
        file_size_mb: the largest file the sandbox may write (RLIMIT_FSIZE).
        open_files: open file descriptors per process (RLIMIT_NOFILE).
        tmp_mb: size of the sandbox's /tmp and of its /dev/shm (each).
        job_mb: disk the job folder may take (checked every second; past it, the
            notebook is stopped).
        uid / gid: the unprivileged user and group it runs as, when the grader is root.
    """

    memory_mb: int = 4096
    cpu_seconds: int = 900
    processes: int = 512
    file_size_mb: int = 256
    open_files: int = 1024
    tmp_mb: int = 512
    job_mb: int = 1024
    uid: int = 65534
    gid: int = 65534

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * 2**20

    @property
    def file_size_bytes(self) -> int:
        return self.file_size_mb * 2**20

    @property
    def tmp_bytes(self) -> int:
        return self.tmp_mb * 2**20

    @property
    def job_bytes(self) -> int:
        return self.job_mb * 2**20


@dataclass(frozen=True)
class SpeedConfig:
    """Speed feedback (``[speed]`` in course.toml): the grader times the student's
    vectorizable exercises on a larger hidden case against the reference.

    Attributes:
        enabled: time them at all.
        timeout: seconds the timing may take in the kernel, for all exercises together.
        max_ratio: "fast enough": at most this many times the reference's time.
        points: extra points per exercise, awarded when it passes every check and is
            fast enough; none by default (speed is information, not graded).
    """

    enabled: bool = True
    timeout: float = 20.0
    max_ratio: float = 20.0
    points: Mapping[str, float] = field(default_factory=dict)


#: When Gradescope shows a test to students (its autograder specification's values).
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")

#: Whether the Gradescope autograder sandboxes the notebook: ``auto`` (bubblewrap if it
#: can run in the container, else without), ``required`` (else grade nothing), ``off``.
SANDBOX_MODES = ("auto", "required", "off")


@dataclass(frozen=True)
class GradescopeConfig:
    """The Gradescope autograder (``[gradescope]`` in course.toml; docs/gradescope.md).
    It affects no grade, only what Gradescope shows and where the notebook runs.

    Attributes:
        visibility: when students see an exercise's test, one of :data:`VISIBILITIES`.
        exercise_visibility: per exercise, a visibility that overrides ``visibility``.
        sandbox: one of :data:`SANDBOX_MODES`.
        fallback_user / fallback_group: the unprivileged uid and gid the notebook runs as
            when it runs without the sandbox and the autograder is root (never 0).
    """

    visibility: str = "visible"
    exercise_visibility: Mapping[str, str] = field(default_factory=dict)
    sandbox: str = "auto"
    fallback_user: int = 65534
    fallback_group: int = 65534

    def visibility_of(self, exercise: str) -> str:
        return self.exercise_visibility.get(exercise, self.visibility)


@dataclass(frozen=True)
class Tolerance:
    """How close an output must be to the expected one (``[tolerance]``; docs/grading.md):
    an element passes when ``|got - expected| <= atol_scale * max|expected| + rtol * |expected|``.
    The defaults are grader/compare.py's."""

    rtol: float = RTOL
    atol_scale: float = ATOL_SCALE


@dataclass(frozen=True)
class GradingEnvironment:
    """The Python and numpy versions ``grader grade`` runs with (``[environment]``), when
    they are not those of the machine that runs ``make release`` (a grading server, an
    autograder image). Only ``grader check``'s parity warnings use them (docs/release.md);
    they affect no grade. None: the versions of the environment this runs in.
    """

    python: str | None = None
    numpy: str | None = None


@dataclass(frozen=True)
class CourseConfig:
    """Everything the grader needs to know about the course.

    Attributes:
        seed: the seed of the hidden cases (None in a student's bundle, which has none).
        points: points per exercise.
        limits: resource limits per notebook.
        sandbox: limits of each notebook's sandbox.
        roster: the Canvas roster (``[canvas] roster``), resolved against the
            configuration's folder; None when not set. It affects no grade.
        speed: speed feedback (:class:`SpeedConfig`).
        gradescope: the Gradescope autograder (:class:`GradescopeConfig`). It affects no grade.
        tolerance: how close an output must be to pass (:class:`Tolerance`).
        environment: the grading environment's versions, for ``grader check``'s parity
            warnings (:class:`GradingEnvironment`). It affects no grade.
        source: the file it was read from, or None for the defaults.
    """

    seed: int | None = DEFAULT_SEED
    points: Mapping[str, float] = field(default_factory=lambda: DEFAULT_POINTS)
    limits: Limits = field(default_factory=Limits)
    sandbox: SandboxLimits = field(default_factory=SandboxLimits)
    source: str | None = None
    roster: Path | None = None
    speed: SpeedConfig = field(default_factory=SpeedConfig)
    gradescope: GradescopeConfig = field(default_factory=GradescopeConfig)
    tolerance: Tolerance = field(default_factory=Tolerance)
    environment: GradingEnvironment = field(default_factory=GradingEnvironment)

    def to_dict(self) -> dict:
        """Plain data (for a grader on another machine: ``--dask``); the roster is left out."""
        return {"seed": self.seed, "points": dict(self.points), "limits": asdict(self.limits),
                "sandbox": asdict(self.sandbox), "source": self.source,
                "speed": {**asdict(replace(self.speed, points={})), "points": dict(self.speed.points)},
                "tolerance": asdict(self.tolerance)}

    @classmethod
    def from_dict(cls, d: dict) -> "CourseConfig":
        speed = dict(d.get("speed", {}))
        speed["points"] = MappingProxyType(dict(speed.get("points", {})))
        return cls(seed=int(d["seed"]), points=MappingProxyType(dict(d["points"])), limits=Limits(**d["limits"]),
                   sandbox=SandboxLimits(**d["sandbox"]), source=d.get("source"), speed=SpeedConfig(**speed),
                   tolerance=Tolerance(**d.get("tolerance", {})))

    def with_limits(self, **changes) -> "CourseConfig":
        return replace(self, limits=replace(self.limits, **changes))

    def with_sandbox(self, **changes) -> "CourseConfig":
        return replace(self, sandbox=replace(self.sandbox, **changes))


def _number(table: dict, key: str, where: str, kind=float, minimum: float = 0) -> float:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ConfigError(f"{where}: {key} must be a number >= {minimum}, got {value!r}")
    return kind(value)


def load_config(path: Path | None) -> CourseConfig:
    """Read a course configuration. ``None``: the defaults, or ``./course.toml`` if present."""
    if path is None:
        path = Path("course.toml")
        if not path.exists():
            return CourseConfig()
    elif not path.exists():
        raise ConfigError(f"course configuration {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"course", "points", "limits", "sandbox", "canvas", "speed", "gradescope", "tolerance",
                           "environment"}
    if unknown:
        raise ConfigError(f"{path}: unknown section [{sorted(unknown)[0]}]; "
                          "known: course, points, limits, sandbox, canvas, speed, gradescope, tolerance, environment")

    course = data.get("course", {})
    seed = DEFAULT_SEED
    if "seed" in course:
        seed = int(_number(course, "seed", f"{path} [course]", int))

    points = dict(DEFAULT_POINTS)
    for name in data.get("points", {}):
        if name not in EXERCISES:
            raise ConfigError(f"{path} [points]: unknown exercise {name!r}")
        points[name] = _number(data["points"], name, f"{path} [points]")

    limits_table = data.get("limits", {})
    known = {"cell_timeout", "notebook_timeout", "output_limit", "startup_timeout"}
    for key in limits_table:
        if key not in known:
            raise ConfigError(f"{path} [limits]: unknown key {key!r}; known: {', '.join(sorted(known))}")
    kinds = {"output_limit": int}
    limits = Limits(**{
        k: _number(limits_table, k, f"{path} [limits]", kinds.get(k, float), minimum=1)
        for k in limits_table
    })
    sandbox_table = data.get("sandbox", {})
    sandbox_keys = {f for f in SandboxLimits.__dataclass_fields__}
    for key in sandbox_table:
        if key not in sandbox_keys:
            raise ConfigError(f"{path} [sandbox]: unknown key {key!r}; known: {', '.join(sorted(sandbox_keys))}")
    sandbox = SandboxLimits(**{
        k: int(_number(sandbox_table, k, f"{path} [sandbox]", int, minimum=0 if k in ("uid", "gid") else 1))
        for k in sandbox_table
    })
    if sandbox_table.get("uid") == 0 or sandbox_table.get("gid") == 0:
        raise ConfigError(f"{path} [sandbox]: uid and gid must not be 0 (root)")
    canvas = data.get("canvas", {})
    _table(canvas, path, "canvas", {"roster"})
    roster = None
    if "roster" in canvas:
        if not isinstance(canvas["roster"], str) or not canvas["roster"].strip():
            raise ConfigError(f"{path} [canvas]: roster must be a file name, got {canvas['roster']!r}")
        roster = path.parent / canvas["roster"]
    return CourseConfig(seed=seed, points=MappingProxyType(points), limits=limits, sandbox=sandbox,
                        source=str(path), roster=roster, speed=_speed(data.get("speed", {}), path),
                        tolerance=_tolerance(data.get("tolerance", {}), path),
                        environment=_environment(data.get("environment", {}), path),
                        gradescope=_gradescope(data.get("gradescope", {}), path))


def _table(table: object, path: Path, name: str, known: set[str]) -> str:
    """Check that ``[name]`` is a table holding only ``known`` keys; return where it is, for messages.

    Raises:
        ConfigError: it is not a table, or holds an unknown key.
    """
    where = f"{path} [{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    for key in table:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}; known: {', '.join(sorted(known))}")
    return where


def _speed(table: dict, path: Path) -> SpeedConfig:
    try:
        from grader.cases import SPEED_PLAN as timed
    except ModuleNotFoundError as exc:  # a student's bundle: no speed cases to check the names against
        if exc.name != "grader.cases":
            raise
        timed = None

    where = _table(table, path, "speed", {"enabled", "timeout", "max_ratio", "points"})
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: enabled must be true or false, got {enabled!r}")
    points = table.get("points", {})
    if not isinstance(points, dict):
        raise ConfigError(f"{where}: points must be a table, e.g. points = {{ conv_backward = 1 }}")
    for name in points:
        if timed is not None and name not in timed:
            raise ConfigError(f"{where} points: {name!r} is not timed; timed: {', '.join(timed)}")
    return SpeedConfig(
        enabled=enabled,
        timeout=_number(table, "timeout", where, minimum=1) if "timeout" in table else 20.0,
        max_ratio=_number(table, "max_ratio", where, minimum=1) if "max_ratio" in table else 20.0,
        points=MappingProxyType({n: _number(points, n, where + " points") for n in points}))


def _gradescope(table: dict, path: Path) -> GradescopeConfig:
    where = _table(table, path, "gradescope",
                   {"visibility", "exercise_visibility", "sandbox", "fallback_user", "fallback_group"})

    def visibility(value: object, what: str) -> str:
        if value not in VISIBILITIES:
            raise ConfigError(f"{where}: {what} must be one of {', '.join(VISIBILITIES)}; got {value!r}")
        return str(value)

    overrides = table.get("exercise_visibility", {})
    if not isinstance(overrides, dict):
        raise ConfigError(f"{where}: exercise_visibility must be a table, "
                          f"e.g. exercise_visibility = {{ conv_backward = \"after_due_date\" }}")
    for name in overrides:
        if name not in EXERCISES:
            raise ConfigError(f"{where} exercise_visibility: unknown exercise {name!r}")
    sandbox = table.get("sandbox", "auto")
    if sandbox not in SANDBOX_MODES:
        raise ConfigError(f"{where}: sandbox must be one of {', '.join(SANDBOX_MODES)}; got {sandbox!r}")
    ids = {}
    for key in ("fallback_user", "fallback_group"):
        value = table.get(key, 65534)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{where}: {key} must be a numeric id >= 1 (not root), got {value!r}")
        ids[key] = value
    return GradescopeConfig(
        visibility=visibility(table.get("visibility", "visible"), "visibility"),
        exercise_visibility=MappingProxyType({n: visibility(v, f"exercise_visibility.{n}")
                                              for n, v in overrides.items()}),
        sandbox=str(sandbox), **ids)


def _tolerance(table: dict, path: Path) -> Tolerance:
    where = _table(table, path, "tolerance", {"rtol", "atol_scale"})
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ConfigError(f"{where}: {key} must be a number between 0 and 1 (e.g. 1e-7), got {value!r}")
    return Tolerance(**{k: float(v) for k, v in table.items()})


_VERSION = re.compile(r"\d+\.\d+(\.\d+)?([a-z]+\d*)?")


def _environment(table: dict, path: Path) -> GradingEnvironment:
    where = _table(table, path, "environment", {"python", "numpy"})
    for key, value in table.items():
        if not isinstance(value, str) or not _VERSION.fullmatch(value):
            raise ConfigError(f'{where}: {key} must be a version such as "1.26.4" or "3.11", got {value!r}')
    return GradingEnvironment(**table)
