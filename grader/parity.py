"""Parity between ``grader check`` and grading: what a check ran with, and what differs.

Beyond the student's code, a result depends on a few settings: the Python and numpy
versions (the last digits of a float64 computation, and what a function accepts), the
dtype, the tolerances of the value checks, and which public cases were run (their
seed). A :class:`Profile` records them for one environment:

* :func:`this_environment` - what a check runs with;
* :func:`grading_profile` - what grading uses: the profile a student's bundle carries
  (``grader/data/grading_profile.json``, written by ``make release``), a profile file
  given explicitly, or in the instructor's checkout the local configuration
  (``course.toml`` if present: ``[tolerance]``, and ``[environment]`` for the versions
  of a grading machine that is not this one).

:func:`compare_profiles` is the one pure comparison, returning :class:`ParityWarning`
values; :func:`render_parity` and :meth:`Parity.to_dict` render them. A profile never
holds the hidden cases' seed: only whether a course configuration was in effect.
Documented in docs/release.md ("Parity with grading").
"""

from __future__ import annotations

import json
import platform
import re
from dataclasses import asdict, dataclass, fields
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy

from grader.config import ConfigError, CourseConfig

__all__ = ["PROFILE_FORMAT", "PROFILE_RESOURCE", "DTYPE", "ProfileError", "Profile", "ParityWarning", "Parity",
           "this_environment", "local_profile", "read_profile", "bundled_profile", "grading_profile",
           "compare_profiles", "check_parity", "render_parity", "installed_release"]

PROFILE_FORMAT = 1
#: Where a student's bundle carries the grading profile, inside the ``grader`` package.
PROFILE_RESOURCE = "data/grading_profile.json"
#: The dtype every check and every grade computes in (COURSE_SPEC.md: float64).
DTYPE = "float64"


class ProfileError(ConfigError):
    """A grading profile that cannot be read (exit status 2, one line)."""


@dataclass(frozen=True)
class Profile:
    """The settings a result depends on, in one environment.

    Attributes:
        python / numpy: versions, e.g. ``"3.11.9"`` and ``"1.26.4"`` (a declared grading
            environment may give only ``"3.11"``).
        rtol / atol_scale: the value checks' tolerance (grader/compare.py).
        public_seed: the seed of the public cases (never the hidden cases' seed).
        release: the course release (the bundle's version), or None when unknown.
        course_config: whether a course configuration (course.toml) was in effect.
        dtype: what the checks compute in.
        source: where the profile comes from, for messages ("this environment", "the
            grading profile of release 0.1.0", ...); not part of the profile file.
    """

    python: str
    numpy: str
    rtol: float
    atol_scale: float
    public_seed: int | None = None
    release: str | None = None
    course_config: bool = False
    dtype: str = DTYPE
    source: str = ""

    def to_dict(self, source: bool = True) -> dict:
        """Plain data; without ``source``, the profile file ``make release`` writes."""
        d = {"format": PROFILE_FORMAT, **asdict(self)}
        if not source:
            del d["source"]
        return d

    @classmethod
    def from_dict(cls, data: Any, source: str) -> "Profile":
        """A profile read from JSON data. Raises ProfileError when it is not one."""
        if not isinstance(data, dict):
            raise ProfileError(f"{source}: not a grading profile (expected a JSON object)")
        if data.get("format") != PROFILE_FORMAT:
            raise ProfileError(f"{source}: grading profile format {data.get('format')!r}, expected {PROFILE_FORMAT}")
        kinds = {"python": str, "numpy": str, "rtol": (int, float), "atol_scale": (int, float), "dtype": str,
                 "public_seed": (int, type(None)), "release": (str, type(None)), "course_config": bool}
        for key, kind in kinds.items():
            if key not in data:
                if key in ("python", "numpy", "rtol", "atol_scale"):
                    raise ProfileError(f"{source}: the grading profile has no {key!r}")
                continue
            value = data[key]
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
                raise ProfileError(f"{source}: {key!r} of the grading profile is {value!r}")
        known = {f.name for f in fields(cls)} - {"source"}
        return cls(**{k: v for k, v in data.items() if k in known}, source=source)


@dataclass(frozen=True)
class ParityWarning:
    """One setting in which a check differs from grading.

    Attributes:
        setting: ``python``, ``numpy``, ``dtype``, ``rtol``, ``atol_scale``,
            ``public_seed`` or ``release``.
        yours / grading: the two values, as text.
        message: what it means and what to do, in one sentence a student can act on.
    """

    setting: str
    yours: str
    grading: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Parity:
    """A check's environment, grading's profile, and how they differ."""

    environment: Profile
    grading: Profile
    warnings: tuple[ParityWarning, ...]

    def to_dict(self) -> dict:
        return {"environment": self.environment.to_dict(), "grading": self.grading.to_dict(),
                "warnings": [w.to_dict() for w in self.warnings]}


def installed_release() -> str | None:
    """The version of the installed distribution that holds the ``grader`` package (the
    student bundle's release, or this project's version), or None when not installed."""
    try:
        names = metadata.packages_distributions().get("grader") or []
        return metadata.version(names[0]) if names else None
    except (metadata.PackageNotFoundError, OSError, ValueError):
        return None


def _public_seed() -> int | None:
    from grader.selfcheck import public_seed

    try:
        return public_seed()
    except (OSError, ValueError):
        return None


def this_environment(config: CourseConfig) -> Profile:
    """What a check runs with here: this Python and numpy, the configuration's tolerance."""
    return Profile(python=platform.python_version(), numpy=numpy.__version__, rtol=config.tolerance.rtol,
                   atol_scale=config.tolerance.atol_scale, public_seed=_public_seed(), release=installed_release(),
                   course_config=config.source is not None, source="this environment")


def local_profile(config: CourseConfig, public_seed: int | None, release: str | None, source: str) -> Profile:
    """The grading profile of a configuration: its tolerance, and the versions its
    ``[environment]`` declares, else this environment's (grading runs here)."""
    return Profile(python=config.environment.python or platform.python_version(),
                   numpy=config.environment.numpy or numpy.__version__, rtol=config.tolerance.rtol,
                   atol_scale=config.tolerance.atol_scale, public_seed=public_seed, release=release,
                   course_config=config.source is not None, source=source)


def read_profile(path: Path) -> Profile:
    """A grading profile file. Raises ProfileError when it is missing or not one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"grading profile {path} does not exist") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProfileError(f"{path}: not a grading profile ({exc})") from None
    return Profile.from_dict(data, f"the grading profile {path}")


def bundled_profile() -> Profile | None:
    """The grading profile a student's bundle carries, or None (an instructor's checkout)."""
    resource = resources.files("grader").joinpath(PROFILE_RESOURCE)
    if not resource.is_file():
        return None
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ProfileError(f"the bundle's grading profile is damaged ({exc}); reinstall the bundle") from None
    return Profile.from_dict(data, f"the grading profile of release {data.get('release') or '?'}")


def grading_profile(config: CourseConfig, path: Path | None = None) -> Profile:
    """What grading uses: the profile at ``path``, else the bundle's, else the local
    configuration's."""
    if path is not None:
        return read_profile(path)
    profile = bundled_profile()
    if profile is not None:
        return profile
    where = f"the configuration {config.source}" if config.source else "the default configuration"
    return local_profile(config, _public_seed(), installed_release(), where)


def _minor(version: str) -> str | None:
    """``"1.26"`` of ``"1.26.4"``; None when it is not a version."""
    m = re.match(r"(\d+)\.(\d+)", version)
    return f"{int(m.group(1))}.{int(m.group(2))}" if m else None


def _versions_differ(yours: str, grading: str) -> bool:
    a, b = _minor(yours), _minor(grading)
    return a != b if a and b else yours != grading


def _pip_spec(version: str) -> str:
    return f"{version}.*" if re.fullmatch(r"\d+\.\d+", version) else version


def _tolerance_message(name: str, yours: float, grading: float) -> str:
    if grading < yours:
        effect = ("grading is stricter: an answer that passes here by a small margin can fail in grading, "
                  "so aim for differences near 1e-15, not just under the tolerance")
    else:
        effect = "grading is more lenient: an answer that fails here only by a small margin may pass in grading"
    return f"this check compares with {name} {yours:g}; grading uses {name} {grading:g}: {effect}."


def compare_profiles(yours: Profile, grading: Profile) -> tuple[ParityWarning, ...]:
    """How a check's environment differs from grading's, as warnings (none: parity).

    Versions differ when their major or minor numbers do (a patch release of numpy or
    Python does not change results on purpose). Tolerances and the dtype differ when they
    are not equal; the public seed and the release when both are known and not equal.
    """
    out = []
    for name, label in (("python", "Python"), ("numpy", "numpy")):
        y, g = getattr(yours, name), getattr(grading, name)
        if _versions_differ(y, g):
            advice = (f'to match, pip install "numpy=={_pip_spec(g)}" in your virtual environment'
                      if name == "numpy" else f"to match, make your virtual environment with Python {_minor(g) or g}")
            out.append(ParityWarning(name, y, g, f"your {label} is {y}; grading uses {g}: results can differ in the "
                                                 f"last digits, and code that runs here may fail there (or the "
                                                 f"reverse); {advice}."))
    if yours.dtype != grading.dtype:
        out.append(ParityWarning("dtype", yours.dtype, grading.dtype,
                                 f"this check computes in {yours.dtype}; grading in {grading.dtype}: results differ "
                                 "beyond the tolerance; reinstall the course bundle."))
    for name in ("rtol", "atol_scale"):
        y, g = float(getattr(yours, name)), float(getattr(grading, name))
        if y != g:
            out.append(ParityWarning(name, f"{y:g}", f"{g:g}", _tolerance_message(name, y, g)))
    if yours.public_seed is not None and grading.public_seed is not None and yours.public_seed != grading.public_seed:
        out.append(ParityWarning("public_seed", str(yours.public_seed), str(grading.public_seed),
                                 f"your public cases were drawn with seed {yours.public_seed}; the graded release's "
                                 f"with seed {grading.public_seed}: your copy of the course is not the one being "
                                 "graded; install the current release."))
    if yours.release and grading.release and yours.release != grading.release:
        out.append(ParityWarning("release", yours.release, grading.release,
                                 f"your course bundle is release {yours.release}; grading uses release "
                                 f"{grading.release}: its notebooks and public checks may differ; install release "
                                 f"{grading.release}."))
    return tuple(out)


def check_parity(config: CourseConfig, profile: Path | None = None) -> Parity:
    """This environment against grading's profile (``profile``: a file to use instead)."""
    yours, grading = this_environment(config), grading_profile(config, profile)
    return Parity(yours, grading, compare_profiles(yours, grading))


def _describe(p: Profile) -> str:
    seed = f", public cases seed {p.public_seed}" if p.public_seed is not None else ""
    return (f"Python {p.python}, numpy {p.numpy}, {p.dtype}, rtol {p.rtol:g}, atol_scale {p.atol_scale:g}{seed}")


def render_parity(parity: Parity) -> str:
    """The plain-text lines ``grader check`` prints under its report."""
    if not parity.warnings:
        return f"Checked with {_describe(parity.environment)}: as in grading ({parity.grading.source})."
    lines = [f"Checked with {_describe(parity.environment)}.",
             f"⚠️  Parity warning{'s' if len(parity.warnings) > 1 else ''}: this check differs from grading "
             f"({parity.grading.source}):"]
    lines += [f"  - {w.message}" for w in parity.warnings]
    return "\n".join(lines)
