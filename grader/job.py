"""The job folder: everything that crosses between the grader and a worker.

The grader writes the job, the worker runs it (in a sandbox, where only this folder is
writable), and the grader reads back plain data. Nothing else crosses::

    JOB/
      job.json              grader -> worker: exercises, limits, skip tag
      notebook.ipynb        grader -> worker: the submission
      cases.json, cases.npz grader -> worker: the cases' inputs (no expected values)
      out/<exercise>.json   kernel -> grader: per case, the error or the encoded outputs
      out/<exercise>.npz    kernel -> grader: the output arrays
      execution.json        worker -> grader: per cell, status, time and errors; output

Everything read back is untrusted: files are opened without following links, their
size is capped, and ``.npz`` files are loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from grader.case import Case
from grader.codec import CodecError, decode, encode
from grader.jobspec import JobSpec

__all__ = [
    "JobSpec",
    "UntrustedFileError",
    "write_job",
    "read_json",
    "read_npz",
    "read_outputs",
    "read_execution",
    "MAX_JSON_BYTES",
    "MAX_NPZ_BYTES",
]

MAX_JSON_BYTES = 2 * 2**20       # a results record or execution.json: small by design
MAX_NPZ_BYTES = 64 * 2**20
MAX_NPZ_MEMBERS = 4096
MAX_ARRAY_ELEMENTS = 4_000_000


class UntrustedFileError(ValueError):
    """A file read back from a job folder is missing, a link, too large or malformed."""


def write_job(job_dir: Path, notebook_bytes: bytes, spec: JobSpec, cases: dict[str, list[Case]]) -> None:
    """Lay out a job folder. ``cases`` maps each exercise to its cases (inputs only)."""
    job_dir.mkdir(parents=True, exist_ok=True)
    (job_dir / "out").mkdir(exist_ok=True)
    (job_dir / "notebook.ipynb").write_bytes(notebook_bytes)
    (job_dir / "job.json").write_text(json.dumps(spec.to_dict()), encoding="utf-8")
    arrays: dict[str, np.ndarray] = {}
    data = {
        name: [{"label": c.label, "args": encode(c.args, arrays), "kwargs": encode(c.kwargs, arrays)} for c in cs]
        for name, cs in cases.items()
    }
    (job_dir / "cases.json").write_text(json.dumps(data), encoding="utf-8")
    np.savez(job_dir / "cases.npz", **arrays)


def _open_beneath(path: Path, root: Path | None) -> int:
    """Open ``path`` for reading, following no symlink below ``root`` (the part the
    sandbox could have written; default: the file's own folder): each component is
    opened with O_NOFOLLOW, relative to its parent's descriptor."""
    path = Path(path)
    job = Path(root) if root is not None else path.parent
    rel = path.relative_to(job).parts
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(job, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for part in rel[:-1]:
            nxt = os.open(part, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | nofollow, dir_fd=fd)
            os.close(fd)
            fd = nxt
        return os.open(rel[-1], os.O_RDONLY | nofollow | getattr(os, "O_NONBLOCK", 0), dir_fd=fd)
    finally:
        os.close(fd)


def _read_capped(path: Path, limit: int, root: Path | None = None) -> bytes:
    """Read a regular file without following a symlink below ``root``, at most ``limit`` bytes."""
    try:
        fd = _open_beneath(path, root)
    except FileNotFoundError:
        raise UntrustedFileError(f"{path.name} was not written") from None
    except OSError as exc:  # ELOOP or ENOTDIR: a symlink somewhere on the way
        raise UntrustedFileError(f"{path.name} cannot be opened safely ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UntrustedFileError(f"{path.name} is not a regular file")
        if st.st_size > limit:
            raise UntrustedFileError(f"{path.name} is {st.st_size} bytes, more than the {limit} allowed")
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > limit:
                raise UntrustedFileError(f"{path.name} grew past the {limit} bytes allowed")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_json(path: Path, limit: int = MAX_JSON_BYTES, root: Path | None = None) -> Any:
    """Parse an untrusted JSON file (no symlink followed below ``root``)."""
    raw = _read_capped(path, limit, root)
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, huge integers
        raise UntrustedFileError(f"{path.name} is not valid JSON: {str(exc)[:200]}") from None


def read_npz(path: Path, limit: int = MAX_NPZ_BYTES, max_elements: int = MAX_ARRAY_ELEMENTS,
             root: Path | None = None) -> dict[str, np.ndarray]:
    """Load an untrusted ``.npz``: no pickle, no symlink followed below ``root``, and every
    member's declared size is checked against its header before anything is decompressed."""
    import io

    raw = _read_capped(path, limit, root)
    _check_member_count(raw, path.name)
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        total = 0
        for info in zf.infolist():
            total += info.file_size
            if total > 4 * limit:
                raise UntrustedFileError(f"{path.name} expands to more than {4 * limit} bytes")
        arrays = {}
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                raise UntrustedFileError(f"{path.name} holds {info.filename!r}, not an array")
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                readers = {(1, 0): np.lib.format.read_array_header_1_0,
                           (2, 0): np.lib.format.read_array_header_2_0}
                if version not in readers:
                    raise UntrustedFileError(f"{path.name}: {info.filename} has npy format {version}")
                shape, _, dtype = readers[version](fh)  # the header only: nothing decompressed yet
                if dtype.hasobject:
                    raise UntrustedFileError(f"{path.name}: {info.filename} holds Python objects")
                if int(np.prod(shape, dtype=np.int64)) > max_elements:
                    raise UntrustedFileError(f"{path.name}: {info.filename} has shape {shape}, too large")
            with zf.open(info) as fh:
                arrays[info.filename[:-4]] = np.lib.format.read_array(fh, allow_pickle=False)
        return arrays
    except UntrustedFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed archive in any way
        raise UntrustedFileError(f"{path.name} is not a valid npz file: {type(exc).__name__}: {exc}") from None


def _check_member_count(raw: bytes, name: str) -> None:
    """Refuse an archive with too many members before ``zipfile`` parses them all: the
    count is in the end-of-central-directory record (zip64 archives are refused)."""
    eocd = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 65_557))
    if eocd < 0 or len(raw) < eocd + 22:
        raise UntrustedFileError(f"{name} is not a valid npz file")
    total = int.from_bytes(raw[eocd + 10: eocd + 12], "little")
    if total == 0xFFFF or b"PK\x06\x06" in raw[max(0, eocd - 76): eocd]:
        raise UntrustedFileError(f"{name} is a zip64 archive: refused")
    if total > MAX_NPZ_MEMBERS:
        raise UntrustedFileError(f"{name} holds {total} members, more than the {MAX_NPZ_MEMBERS} allowed")


def _string(value: Any, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _number(value: Any) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1e9
    return float(value) if ok else 0.0


def _error(value: Any) -> dict | None:
    if not isinstance(value, dict):
        return None
    line = value.get("line")
    return {
        "type": _string(value.get("type"), 100) or "Exception",
        "message": _string(value.get("message"), 300) or "",
        "function": _string(value.get("function"), 100),
        "line": line if isinstance(line, int) and not isinstance(line, bool) and 0 < line < 10**6 else None,
        "source": _string(value.get("source"), 200),
    }


MAX_CALLS = 400


def _clean_call(call: Any, arrays: dict[str, np.ndarray]) -> dict | None:
    """One recorded helper call (see grader/harness.py), or None if it is not one."""
    if not isinstance(call, dict):
        return None
    call = decode(call, arrays)
    if not isinstance(call, dict) or not isinstance(call.get("fn"), str):
        return None
    depth = call.get("depth")
    args, kwargs, after = call.get("args"), call.get("kwargs"), call.get("after")
    clean = {
        "fn": call["fn"][:100],
        "depth": depth if isinstance(depth, int) and not isinstance(depth, bool) and 0 <= depth < 100 else 0,
        "args": list(args) if isinstance(args, (list, tuple)) else [],
        "kwargs": kwargs if isinstance(kwargs, dict) else {},
        "changed": [c[:100] for c in call.get("changed", []) if isinstance(c, str)][:20]
        if isinstance(call.get("changed"), list) else [],
        "after": {k: v for k, v in after.items() if isinstance(k, str) and k.isdigit()} if isinstance(after, dict) else {},
    }
    if isinstance(call.get("error"), str):
        clean["error"] = call["error"][:100]
    else:
        clean["output"] = call.get("output")
    return clean


def _clean_entry(entry: Any, arrays: dict[str, np.ndarray]) -> dict:
    """One case's record with only known keys of known types; the output decoded."""
    if not isinstance(entry, dict):
        return {"time": 0.0, "changed": [], "error": {"type": "GraderError", "message":
                "the result of this case was not a record", "function": None, "line": None, "source": None}}
    clean = {
        "time": _number(entry.get("time")),
        "changed": [c[:100] for c in entry.get("changed", []) if isinstance(c, str)][:20]
        if isinstance(entry.get("changed"), list) else [],
    }
    if isinstance(entry.get("rng"), bool):
        clean["rng"] = entry["rng"]
    if isinstance(entry.get("repeatable"), bool):
        clean["repeatable"] = entry["repeatable"]
    if isinstance(entry.get("calls"), list):
        clean["calls"] = [c for c in (_clean_call(c, arrays) for c in entry["calls"][:MAX_CALLS]) if c]
    if entry.get("timeout") is True:
        clean["timeout"] = True
    elif entry.get("error") is not None:
        clean["error"] = _error(entry["error"]) or _error({})
    elif "output" in entry:
        clean["output"] = decode(entry["output"], arrays)
    return clean


CELL_STATUSES = ("ok", "error", "timeout", "died", "skipped")


def _clean_cell(cell: Any) -> dict | None:
    """One cell of the worker's record, with known keys of known types (None if not a record)."""
    if not isinstance(cell, dict):
        return None
    index, err = cell.get("index"), cell.get("error")
    ok_index = isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 10**6
    return {
        "index": index if ok_index else 0,
        "first_line": _string(cell.get("first_line"), 200) or "",
        "status": cell.get("status") if cell.get("status") in CELL_STATUSES else "unknown",
        "time": _number(cell.get("time")),
        "error": {"ename": _string(err.get("ename"), 200) or "",
                  "evalue": _string(err.get("evalue"), 1000) or "",
                  "traceback": _string(err.get("traceback"), 4000) or ""} if isinstance(err, dict) else None,
    }


def read_execution(job_dir: Path, output_limit: int) -> dict:
    """The worker's ``execution.json``, every field checked for its type and size:
    ``{"fatal": str | None, "truncated": bool, "output": str, "cells": [...],
    "exercises": {name: {"status": str}}}``.

    Raises:
        UntrustedFileError: when the file is missing, a link, too large or malformed.
    """
    data = read_json(job_dir / "execution.json", root=job_dir)
    if not isinstance(data, dict):
        raise UntrustedFileError("execution.json is not an object")
    cells = data.get("cells") if isinstance(data.get("cells"), list) else []
    exercises = data.get("exercises") if isinstance(data.get("exercises"), dict) else {}
    return {
        "fatal": _string(data.get("fatal"), 500),
        "truncated": data.get("truncated") is True,
        "output": (_string(data.get("output"), output_limit) or ""),
        "cells": [c for c in map(_clean_cell, cells[:10_000]) if c is not None],
        "exercises": {k[:100]: {"status": _string(v.get("status"), 20)}
                      for k, v in list(exercises.items())[:100] if isinstance(v, dict)},
        "speed": data.get("speed") if data.get("speed") in ("ok", "timeout", "error", "crashed") else None,
    }


def read_speed(job_dir: Path, names: tuple[str, ...]) -> dict[str, float | None]:
    """Seconds per timed exercise from ``out/speed.json`` (None: not timed, raised, or
    missing); an unreadable file times nothing."""
    try:
        data = read_json(job_dir / "out" / "speed.json", root=job_dir)
    except UntrustedFileError:
        return {}
    if not isinstance(data, dict):
        return {}
    out: dict[str, float | None] = {}
    for name in names:
        value = data.get(name)
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < 1e6
        out[name] = float(value) if ok else None
    return out


def read_outputs(job_dir: Path, exercise: str) -> dict:
    """What the kernel wrote for one exercise: ``{"defined": bool, "cases": [...]}``, every
    field checked for its type and size, outputs decoded.

    Raises:
        UntrustedFileError: when the files are missing, links, too large or malformed.
    """
    record = read_json(job_dir / "out" / f"{exercise}.json", root=job_dir)
    arrays = read_npz(job_dir / "out" / f"{exercise}.npz", root=job_dir)
    if not isinstance(record, dict) or not isinstance(record.get("cases"), list):
        raise UntrustedFileError(f"{exercise}.json does not hold a case list")
    try:
        cases = [_clean_entry(e, arrays) for e in record["cases"][:1000]]
    except (CodecError, TypeError, ValueError, KeyError, RecursionError) as exc:
        raise UntrustedFileError(f"{exercise}.json does not decode: {str(exc)[:200]}") from None
    return {"defined": record.get("defined") is True, "cases": cases}
