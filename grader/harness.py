"""Runs inside the student's kernel, after the notebook: the cases of one exercise.

The worker appends one cell per exercise::

    import grader.harness; grader.harness.run_exercise(globals(), "conv_backward", "/job")

It reads the cases' inputs from the job folder, calls the student's function on each
(on deep copies), and writes what came back as plain data: ``out/<exercise>.json``
(per case: the error, the arguments changed in place, the time, the encoded output)
and ``out/<exercise>.npz`` (the arrays). It judges nothing: the grader compares the
outputs in its own process, where the student's code cannot reach.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from grader.checking import call_safely, changed_arguments
from grader.codec import Opaque, decode, encode
from grader.exercises import exercise

__all__ = ["run_exercise", "sanitize"]

_KEEP_DTYPES = {"float64", "float32", "int64", "int32", "bool"}
MAX_ITEMS = 10_000


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


def run_exercise(namespace: dict, name: str, job_dir: str) -> None:
    """Run every case of exercise ``name`` on ``namespace[name]``; write the results."""
    job = Path(job_dir)
    spec = json.loads((job / "job.json").read_text(encoding="utf-8"))
    with np.load(job / "cases.npz", allow_pickle=False) as npz:
        arrays = dict(npz)
    cases = [
        {"label": c["label"], "args": decode(c["args"], arrays), "kwargs": decode(c["kwargs"], arrays)}
        for c in json.loads((job / "cases.json").read_text(encoding="utf-8"))[name]
    ]
    ex = exercise(name)
    fn = namespace.get(name)
    record: dict[str, Any] = {"exercise": name, "defined": callable(fn), "cases": []}
    out_arrays: dict[str, np.ndarray] = {}
    if callable(fn):
        for case in cases:
            start = time.perf_counter()
            try:
                got, error, after = call_safely(fn, case["args"], case["kwargs"])
            except KeyboardInterrupt:  # the worker's timeout interrupted the kernel
                record["cases"].append({"timeout": True, "time": time.perf_counter() - start})
                break
            entry: dict[str, Any] = {"time": time.perf_counter() - start}
            entry["changed"] = changed_arguments(fn, case["args"], after, ex.may_mutate)
            if error is not None:
                entry["error"] = error.to_dict()
            else:
                entry["output"] = encode(sanitize(got, spec["max_elements"]), out_arrays)
            record["cases"].append(entry)
    out = job / "out"
    np.savez(out / f"{name}.npz", **out_arrays)
    (out / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
