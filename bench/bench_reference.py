"""The reference's backward passes against naive loops and PyTorch, and the gradient checks.

    python bench/bench_reference.py            # or: make bench-reference
    BENCH_QUICK=1 TORCH_PYTHON=/path/to/python-with-torch python bench/bench_reference.py

Prints:

1. numpy's float64 matrix-multiply peak on this machine: the best of ``np.matmul`` on
   2048x2048 float64 matrices, in GFLOP/s; the yardstick for conv_backward.
2. For every case of ``bench/common.py`` (conv_backward, pool_backward max and average,
   batchnorm_backward and batchnorm_backward_alt; course-sized shapes, the shapes the
   targets are set on, and larger ones), all float64:
   * reference: ``solutions/``, seconds per call (best of several samples, ``autorange``);
   * naive: the loop versions of ``bench/naive.py`` (one run; on large shapes timed on
     the first few examples, or features for batch norm, and scaled up: marked ``~``),
     the speed-up, and the relative difference from the reference;
   * PyTorch: CPU autograd, ``torch.autograd.grad(out, inputs, grad_out,
     retain_graph=True)`` only, float64, ``torch.set_num_threads(CPU count)``, in its
     native NCHW layout; run in a subprocess of the interpreter that has torch (below),
     on the very same arrays; the reference's time over torch's (below 1: the reference
     is faster), and the relative difference of torch's gradients from the reference;
   * for conv_backward, GFLOP/s achieved (dW and dA_prev, 2*m*nH*nW*F*f*f*C flops each)
     and the share of the matmul peak.
   The reference and PyTorch are timed in rounds (2, or 1 with BENCH_QUICK=1), each
   case's best kept, so that a burst of load on the machine hits neither side alone.
3. A full element-by-element numerical gradient against ``directional_check_many`` on a
   conv layer (``grader/gradcheck.py``): time and forward calls.

PyTorch is optional and never a dependency of the project. The interpreter is
``TORCH_PYTHON`` when set (``TORCH_PYTHON=0`` skips PyTorch), else this one when it can
``import torch``, else ``bench/.torch-venv/bin/python`` when it exists (``make
bench-torch-venv``); else the PyTorch columns are skipped with a message.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import bench.naive as naive  # noqa: E402
from bench.common import (  # noqa: E402
    CASES,
    QUICK,
    Case,
    autorange,
    build,
    conv_flops,
    fmt_time,
    machine,
    reference,
    rel_diff,
    slices,
    subset,
)
from grader.gradcheck import directional_check_many, numerical_vjp, relative_error  # noqa: E402
from solutions import conv_backward, conv_forward  # noqa: E402

TORCH_VENV = ROOT / "bench" / ".torch-venv"
NAIVE_BUDGET = 1.0 if QUICK else 3.0  # seconds of naive loops per case, at most (about)
ROUNDS = 1 if QUICK else 2


# --------------------------------------------------------------------------- peak


def gemm_peak(n: int = 2048) -> float:
    """numpy's float64 GEMM rate on this machine, GFLOP/s: best of np.matmul(n x n, n x n)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    c = np.empty((n, n))
    seconds = autorange(lambda: np.matmul(a, b, out=c), repeats=3 if QUICK else 5, min_sample=0.2)
    return 2.0 * n ** 3 / seconds / 1e9


# --------------------------------------------------------------------------- naive loops


def naive_fn(case: Case):
    """The loop version of ``case``'s function (batch norm: one, for both forms)."""
    return naive.batchnorm_backward if case.kind == "bn" else getattr(naive, case.function.split()[0])


def time_naive(case: Case, args: tuple) -> dict:
    """Seconds per call of the loop version on the whole case: measured when that takes
    at most about NAIVE_BUDGET, otherwise measured on the first k slices (examples, or
    features for batch norm) and scaled by n / k, the loops being linear in them."""
    fn, ref, n = naive_fn(case), reference(case), slices(case)
    one = subset(case, args, 1)
    t0 = time.perf_counter()
    fn(one[0], one[1], **one[2])
    t1 = time.perf_counter() - t0
    k = n if t1 * n <= NAIVE_BUDGET else max(1, min(n, int(NAIVE_BUDGET / max(t1, 1e-9))))
    part = subset(case, args, k) if k < n else args
    if t1 * n < 0.05:  # tiny: several samples
        seconds = autorange(lambda: fn(part[0], part[1], **part[2]), repeats=3, min_sample=0.02)
        out = fn(part[0], part[1], **part[2])
    else:
        t0 = time.perf_counter()
        out = fn(part[0], part[1], **part[2])
        seconds = time.perf_counter() - t0
    return {"time": seconds * n / k, "extrapolated": k < n, "k": k, "n": n,
            "rel_diff": rel_diff(out, ref(part[0], part[1], **part[2]))}


# --------------------------------------------------------------------------- PyTorch


def torch_python() -> tuple[str | None, str]:
    """(interpreter, where it came from), or (None, why there is none)."""
    env = os.environ.get("TORCH_PYTHON", "").strip()
    if env.lower() in ("0", "no", "off", "false", "none"):
        return None, "TORCH_PYTHON=0"
    if env:
        return env, "TORCH_PYTHON"
    if importlib.util.find_spec("torch") is not None:
        return sys.executable, "this interpreter"
    if (TORCH_VENV / "bin" / "python").exists():
        return str(TORCH_VENV / "bin" / "python"), "bench/.torch-venv"
    return None, ("no torch in this interpreter and no bench/.torch-venv. To compare with PyTorch, set "
                  "TORCH_PYTHON=/path/to/a/python/with/torch, or run `make bench-torch-venv` (creates "
                  "bench/.torch-venv; PyPI's Linux wheel pulls ~5 GB of CUDA packages, "
                  "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu installs the much smaller CPU-only build)")


def run_torch(python: str, cases: list[Case]) -> dict:
    """bench/torch_backward.py in ``python``; its JSON, or {"error": why}."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    try:
        proc = subprocess.run([python, "-m", "bench.torch_backward"], cwd=ROOT, env=env, capture_output=True,
                              text=True, input=json.dumps({"cases": [c.to_json() for c in cases]}), timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": str(exc)}
    if proc.returncode != 0:
        return {"error": f"{python} -m bench.torch_backward exited {proc.returncode}: {proc.stderr.strip()[-1500:]}"}
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        return {"error": f"unreadable output ({exc}): {proc.stdout[-500:]}"}


# --------------------------------------------------------------------------- the table


def measure(cases: list[Case] = CASES, say=print) -> dict:
    """Every number of tables 1 and 2, as a dict (run_all.py's summary reads it)."""
    peak = gemm_peak()
    say(f"numpy float64 matmul peak (2048x2048, best of several): {peak:.1f} GFLOP/s")
    rows = [{"case": c} for c in cases]
    args = [build(c) for c in cases]
    python, where = torch_python()
    torch_info: dict = {"python": python, "where": where}
    for r in range(ROUNDS):
        for row, case, a in zip(rows, cases, args):
            fn = reference(case)
            t = autorange(lambda: fn(a[0], a[1], **a[2]))
            row["ref"] = min(row.get("ref", math.inf), t)
        if python is None:
            continue
        got = run_torch(python, cases)
        if "error" in got:
            torch_info["error"] = got["error"]
            python = None
            continue
        torch_info.update(version=got["torch"], threads=got["threads"])
        for row, res in zip(rows, got["results"]):
            if "error" in res:
                row["torch_error"] = res["error"]
            else:
                row["torch"] = min(row.get("torch", math.inf), res["time"])
                row["torch_diff"] = res["rel_diff"]
    for row, case, a in zip(rows, cases, args):
        row["naive"] = time_naive(case, a)
        if case.kind == "conv":
            row["flops"] = conv_flops(case.params)
    return {"peak": peak, "rows": rows, "torch": torch_info}


def backward_table(m: dict) -> list[str]:
    torch = m["torch"]
    has_torch = "version" in torch
    head = (f"{'function':<23} {'size':<7} {'shape':<40} {'reference':>10} {'naive':>10} {'speed-up':>9} "
            f"{'diff':>7}")
    if has_torch:
        head += f" {'pytorch':>10} {'ref/torch':>9} {'diff':>7}"
    head += f" {'GFLOP/s':>8} {'of peak':>7}"
    lines = [head, "-" * len(head)]
    for row in m["rows"]:
        c, nv = row["case"], row["naive"]
        line = (f"{c.function:<23} {c.size:<7} {c.shape:<40} {fmt_time(row['ref']):>10} "
                f"{('~' if nv['extrapolated'] else '') + fmt_time(nv['time']):>10} {nv['time'] / row['ref']:>8.0f}x "
                f"{nv['rel_diff']:>7.0e}")
        if has_torch:
            if "torch" in row:
                line += f" {fmt_time(row['torch']):>10} {row['ref'] / row['torch']:>9.2f} {row['torch_diff']:>7.0e}"
            else:
                line += f" {'error':>10} {'':>9} {'':>7}"
        if "flops" in row:
            gf = row["flops"] / row["ref"] / 1e9
            line += f" {gf:>8.1f} {gf / m['peak']:>7.0%}"
        lines.append(line)
    return lines


def explain(m: dict) -> list[str]:
    torch = m["torch"]
    lines = [
        "reference: solutions/, seconds per call, the best of several samples; naive: bench/naive.py, one run",
        "(~: timed on k of n examples, or features for batch norm, and scaled by n/k); speed-up: naive / reference;",
        "diff: ||a - b|| / (||a|| + ||b||) from the reference, the largest over the returned arrays.",
    ]
    if "version" in torch:
        lines += [
            f"pytorch: torch {torch['version']} CPU, float64, {torch['threads']} threads, "
            f"torch.autograd.grad(out, inputs, grad_out, retain_graph=True)",
            f"only, NCHW; interpreter {torch['python']} ({torch['where']}); ref/torch: the reference's time over",
            "torch's, below 1 when the reference is faster; conv_backward: GFLOP/s of the reference, and its share of",
            "the matmul peak.",
        ]
    else:
        lines += textwrap.wrap(f"PyTorch skipped: {torch.get('error') or torch['where']}", 110)
        lines.append("GFLOP/s: conv_backward's, and its share of the matmul peak.")
    return lines


# --------------------------------------------------------------------------- gradient checks


class Counted:
    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, **kwargs):
        self.calls += 1
        return self.f(**kwargs)


def gradcheck_table() -> list[str]:
    rng = np.random.default_rng(0)
    inputs = {"A_prev": rng.standard_normal((4, 8, 8, 3)), "W": rng.standard_normal((3, 3, 3, 4)),
              "b": rng.standard_normal((1, 1, 1, 4))}
    hp = {"stride": 1, "pad": 1}
    Z, cache = conv_forward(inputs["A_prev"], inputs["W"], inputs["b"], hp)
    dZ = rng.standard_normal(Z.shape)
    dA_prev, dW, db = conv_backward(dZ, cache)
    grads = {"A_prev": dA_prev, "W": dW, "b": db}

    def forward(A_prev, W, b):
        return conv_forward(A_prev, W, b, hp)[0]

    # Full: one numerical VJP per input, 2 forward calls per element
    full = Counted(forward)
    t0 = time.perf_counter()
    full_errors = {}
    for name, grad in grads.items():
        num = numerical_vjp(lambda v, name=name: full(**{**inputs, name: v}), inputs[name].copy(), dZ)
        full_errors[name] = relative_error(grad, num)
    t_full = time.perf_counter() - t0

    # Directional: 3 random directions per input, 2 forward calls per direction
    directional = Counted(forward)
    t0 = time.perf_counter()
    results = directional_check_many(directional, inputs, grads, dZ, n_directions=3)
    t_dir = time.perf_counter() - t0

    n_elements = sum(v.size for v in inputs.values())
    head = f"{'check':<44} {'time':>10} {'forward calls':>14} {'max rel. error':>15} {'passed':>7}"
    return [
        "conv layer: m=4, 8x8x3, f=3, 4 filters, s=1, p=1; dA_prev, dW, db "
        f"({n_elements} input elements)",
        head,
        "-" * len(head),
        f"{'full numerical_vjp (element by element)':<44} {fmt_time(t_full):>10} {full.calls:>14} "
        f"{max(full_errors.values()):>15.1e} {str(max(full_errors.values()) < 1e-7):>7}",
        f"{'directional_check_many, 3 directions':<44} {fmt_time(t_dir):>10} {directional.calls:>14} "
        f"{max(r.error for r in results.values()):>15.1e} {str(all(r.passed for r in results.values())):>7}",
        f"{'ratio full / directional':<44} {t_full / t_dir:>9.0f}x {full.calls / directional.calls:>13.0f}x",
    ]


def run(say=print) -> dict:
    """Print tables 1 to 3; return the measurements."""
    t0 = time.perf_counter()
    say(f"== Backward passes: reference vs naive loops vs PyTorch (float64{', quick' if QUICK else ''})")
    say(f"machine: {machine()}; numpy {np.__version__}")
    m = measure(say=say)
    say("")
    for line in backward_table(m) + [""] + explain(m):
        say(line)
    say("")
    say("== Gradient checks (grader/gradcheck.py)")
    for line in gradcheck_table():
        say(line)
    say(f"(backward passes and gradient checks: {time.perf_counter() - t0:.0f} s)")
    return m


def main() -> int:
    run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
