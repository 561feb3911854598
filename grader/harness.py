"""Runs inside the student's kernel, after the notebook: the cases of one exercise.

The worker appends one cell per exercise::

    import grader.harness; grader.harness.run_exercise(globals(), "conv_backward", "/job")

It reads the cases' inputs from the job folder, calls the student's function on each
(on deep copies), and writes what came back as plain data: ``out/<exercise>.json``
(per case: the error, the arguments changed in place, the time, the encoded output)
and ``out/<exercise>.npz`` (the arrays). It judges nothing: the grader compares the
outputs in its own process, where the student's code cannot reach.

For the grader's diagnosis it also records, per case:

* ``calls``: every call the function made to the student's own helpers
  (:data:`grader.exercises.HELPERS`: L_model_backward → linear_activation_backward → …),
  with their arguments as they were passed, what each returned and which arguments it
  changed in place, so that a mistake in a helper can be blamed on the helper;
* ``rng``: whether the call drew from numpy's global random state;
* ``repeatable``: for dropout_backward, whether a second call returns the same array
  (a backward pass that draws a new mask does not).
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from grader.checking import call_safely, changed_arguments, same_value
from grader.codec import Opaque, decode, encode
from grader.exercises import HELPERS, exercise

__all__ = ["run_exercise", "run_case", "run_speed", "sanitize", "HelperRecorder"]

SPEED_REPEAT_SECONDS = 0.05  # repeat a timing while it is this fast, up to 3 runs in all

_KEEP_DTYPES = {"float64", "float32", "int64", "int32", "bool"}
MAX_ITEMS = 10_000
MAX_CALLS = 64  # per helper and case: enough to blame, small enough to read back


def sanitize(value: Any, max_elements: int, depth: int = 0) -> Any:
    """Turn whatever a student returned into plain data the codec can carry."""
    if depth > 20:
        return Opaque("a structure nested too deeply")
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind not in "biuf":
            return Opaque(f"an array of dtype {value.dtype}")
        if value.size > max_elements:
            return Opaque(f"an array of shape {value.shape}, too large to check")
        if str(value.dtype) not in _KEEP_DTYPES:
            value = value.astype(np.float64 if kind == "f" else np.int64)
        return np.ascontiguousarray(value)
    if isinstance(value, np.generic):
        return value.item() if value.dtype.kind in "biuf" else Opaque(f"a numpy {value.dtype} scalar")
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value[:200]
    if isinstance(value, (tuple, list)):
        if len(value) > MAX_ITEMS:
            return Opaque(f"a {type(value).__name__} of {len(value)} items")
        items = [sanitize(v, max_elements, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return Opaque(f"a dict of {len(value)} items")
        return {str(k)[:100].lstrip("_") or "_": sanitize(v, max_elements, depth + 1) for k, v in value.items()}
    return Opaque(f"a {type(value).__name__}")


class HelperRecorder:
    """Wraps the student's helpers in ``namespace`` while a graded function runs, and
    records each call: ``{"fn", "depth", "args", "output" | "error", "changed", "after"}``.

    ``depth`` is 0 for a call the graded function made itself, 1 for a call one of those
    made, and so on. ``after`` holds the new value of each argument changed in place.
    Use as a context manager; the namespace is restored on exit, whatever happens.
    """

    def __init__(self, namespace: dict, helpers: tuple[str, ...], max_elements: int) -> None:
        self.namespace = namespace
        self.helpers = [h for h in helpers if callable(namespace.get(h))]
        self.max_elements = max_elements
        self.calls: list[dict] = []
        self.counts: dict[str, int] = {}
        self.depth = 0
        self._saved: dict[str, Any] = {}

    def _wrap(self, name: str, fn: Any) -> Any:
        recorder = self

        def recorded(*args: Any, **kwargs: Any) -> Any:
            keep = recorder.counts.get(name, 0) < MAX_CALLS
            recorder.counts[name] = recorder.counts.get(name, 0) + 1
            if not keep:
                return fn(*args, **kwargs)
            before = copy.deepcopy((args, kwargs))
            call: dict[str, Any] = {"fn": name, "depth": recorder.depth}
            recorder.calls.append(call)
            recorder.depth += 1
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                call["error"] = type(exc).__name__
                raise
            finally:
                recorder.depth -= 1
                call["args"], call["kwargs"] = before
                changed = changed_arguments(fn, before[0], args)
                call["changed"] = changed
                call["after"] = {str(i): copy.deepcopy(a) for i, (b, a) in enumerate(zip(before[0], args))
                                 if not same_value(b, a)} if changed else {}
            call["output"] = copy.deepcopy(result)
            return result

        recorded.__wrapped__ = fn  # inspect.signature sees the student's own parameters
        return recorded

    def __enter__(self) -> "HelperRecorder":
        for h in self.helpers:
            self._saved[h] = self.namespace[h]
            self.namespace[h] = self._wrap(h, self.namespace[h])
        return self

    def __exit__(self, *exc: Any) -> None:
        self.namespace.update(self._saved)

    def plain(self) -> list[dict]:
        """The finished calls as plain data (arrays sanitized, not yet encoded)."""
        out = []
        for c in self.calls:
            if "args" not in c:
                continue
            item = {"fn": c["fn"], "depth": c["depth"], "changed": c.get("changed", []),
                    "args": sanitize(list(c["args"]), self.max_elements),
                    "kwargs": sanitize(c["kwargs"], self.max_elements),
                    "after": sanitize(c.get("after", {}), self.max_elements)}
            if "error" in c:
                item["error"] = c["error"]
            else:
                item["output"] = sanitize(c.get("output"), self.max_elements)
            out.append(item)
        return out


def _rng_state() -> tuple:
    state = np.random.get_state()
    return state[1].tobytes(), state[2]


def run_case(namespace: dict, name: str, args: tuple, kwargs: dict, max_elements: int) -> dict:
    """Call ``namespace[name]`` on one case (on copies) and record it as plain data:
    ``time``, ``changed``, ``rng``, ``repeatable`` (exercises with a determinism
    check), ``error`` or ``output`` (sanitized), and ``calls`` to the student's helpers.
    A KeyboardInterrupt (the worker's timeout) goes through."""
    ex = exercise(name)
    fn = namespace[name]
    recorder = HelperRecorder(namespace, HELPERS.get(name, ()), max_elements)
    rng_before = _rng_state()
    start = time.perf_counter()
    with recorder:
        got, error, after = call_safely(fn, args, kwargs)
    entry: dict[str, Any] = {"time": time.perf_counter() - start,
                             "changed": changed_arguments(fn, args, after, ex.may_mutate)}
    if ex.deterministic_check and error is None:
        again, _, _ = call_safely(fn, args, kwargs)
        entry["repeatable"] = same_value(got, again)
    entry["rng"] = _rng_state() != rng_before
    if error is not None:
        entry["error"] = error.to_dict()
    else:
        entry["output"] = sanitize(got, max_elements)
    if recorder.calls:
        entry["calls"] = recorder.plain()
    return entry


def _load_job(job: Path) -> tuple[dict, dict[str, np.ndarray], dict]:
    """The job's spec, the cases' arrays and ``cases.json`` (inputs only)."""
    spec = json.loads((job / "job.json").read_text(encoding="utf-8"))
    with np.load(job / "cases.npz", allow_pickle=False) as npz:
        arrays = dict(npz)
    return spec, arrays, json.loads((job / "cases.json").read_text(encoding="utf-8"))


def run_exercise(namespace: dict, name: str, job_dir: str) -> None:
    """Run every case of exercise ``name`` on ``namespace[name]``; write the results."""
    job = Path(job_dir)
    spec, arrays, all_cases = _load_job(job)
    fn = namespace.get(name)
    record: dict[str, Any] = {"exercise": name, "defined": callable(fn), "cases": []}
    out_arrays: dict[str, np.ndarray] = {}
    if callable(fn):
        for case in all_cases[name]:
            args, kwargs = decode(case["args"], arrays), decode(case["kwargs"], arrays)
            start = time.perf_counter()
            try:
                entry = run_case(namespace, name, args, kwargs, spec["max_elements"])
            except KeyboardInterrupt:  # the worker's timeout interrupted the kernel
                record["cases"].append({"timeout": True, "time": time.perf_counter() - start})
                break
            if "output" in entry:
                entry["output"] = encode(entry["output"], out_arrays)
            if "calls" in entry:
                entry["calls"] = [encode(c, out_arrays) for c in entry["calls"]]
            record["cases"].append(entry)
    out = job / "out"
    np.savez(out / f"{name}.npz", **out_arrays)
    (out / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")


def _ran_cleanly(record_path: Path) -> bool:
    """Whether every graded case of the exercise returned (no timeout, no error): a
    function that hung or raised there is not timed."""
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        return bool(record["cases"]) and all("output" in c for c in record["cases"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def run_speed(namespace: dict, job_dir: str) -> None:
    """Time each exercise of the job's ``speed`` list on its speed case: the best of up to
    three runs (one when it takes over 50 ms: a slow function's noise does not matter).
    Writes ``out/speed.json``: seconds per exercise, or None when it is not defined or
    raised. Nothing is judged."""
    job = Path(job_dir)
    spec, arrays, all_cases = _load_job(job)
    times: dict[str, float | None] = {}
    out = job / "out" / "speed.json"
    for name in spec.get("speed", []):
        fn = namespace.get(name)
        raw = all_cases.get(f"speed:{name}")
        times[name] = None
        if not callable(fn) or not raw or not _ran_cleanly(job / "out" / f"{name}.json"):
            continue
        args, kwargs = decode(raw[0]["args"], arrays), decode(raw[0]["kwargs"], arrays)
        best = None
        for _ in range(3):
            call_args, call_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
            start = time.perf_counter()
            try:
                fn(*call_args, **call_kwargs)
            except Exception:  # noqa: BLE001 - a wrong function is judged elsewhere
                best = None
                break
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
            if elapsed > SPEED_REPEAT_SECONDS:
                break
        times[name] = best
        out.write_text(json.dumps(times), encoding="utf-8")  # what is timed survives a timeout
    out.write_text(json.dumps(times), encoding="utf-8")
