"""What the benchmarks share: settings from the environment, a timer, the backward cases.

Imported by the numpy side (``bench_reference.py``) and by the PyTorch side
(``torch_backward.py``, run in whatever interpreter has torch), so it needs numpy and
``solutions`` only. The cases are built from a seed, so that both sides time and
compare the very same arrays.
"""

from __future__ import annotations

import gc
import os
import platform
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import solutions
from solutions import batchnorm_forward, conv_forward, pool_forward

__all__ = ["QUICK", "Case", "CASES", "autorange", "build", "conv_flops", "fmt_time", "machine", "reference", "rel_diff", "slices", "subset"]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "no", "false")


#: BENCH_QUICK=1: fewer repeats, shorter samples and a smaller class (rough numbers).
QUICK = _flag("BENCH_QUICK")


def autorange(fn: Callable[[], object], repeats: int | None = None, min_sample: float | None = None) -> float:
    """Seconds per call of ``fn``: best of ``repeats`` samples, each of as many calls as
    make at least ``min_sample`` seconds (like ``timeit``: one warm-up call, the garbage
    collector off while timing)."""
    repeats = repeats or (3 if QUICK else 7)
    min_sample = min_sample or (0.02 if QUICK else 0.05)
    fn()  # warm up: caches, lazy imports, allocator
    gc_was = gc.isenabled()
    gc.disable()
    try:
        number, elapsed = 1, 0.0
        while True:
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            elapsed = time.perf_counter() - t0
            if elapsed >= min_sample:
                break
            number *= max(2, min(10, int(min_sample / max(elapsed, 1e-9)) + 1))
        best = elapsed / number
        for _ in range(repeats - 1):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best = min(best, (time.perf_counter() - t0) / number)
    finally:
        if gc_was:
            gc.enable()
    return best


def fmt_time(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return f"{cpus} CPUs ({model}), load average {load}"


# --------------------------------------------------------------------------- the backward cases


@dataclass(frozen=True)
class Case:
    """One shape of one backward pass.

    kind: "conv", "pool" or "bn"; params: the shape, as keyword arguments of ``build``;
    function: the reference function timed ("pool_backward max", "batchnorm_backward_alt");
    size: "course" (the notebooks' and hidden cases' sizes), "larger" or "target" (a shape
    the issue sets a target on); target: the id of the target, if any.
    """

    function: str
    size: str
    params: dict = field(default_factory=dict)
    target: str = ""

    @property
    def kind(self) -> str:
        return "conv" if self.function.startswith("conv") else "pool" if self.function.startswith("pool") else "bn"

    @property
    def shape(self) -> str:
        p = self.params
        if self.kind == "conv":
            return (f"m={p['m']}, {p['n_H']}x{p['n_W']}, C={p['n_C_prev']}, F={p['n_C']}, f={p['f']}, "
                    f"s={p['stride']}, p={p['pad']}")
        if self.kind == "pool":
            return f"m={p['m']}, {p['n_H']}x{p['n_W']}, C={p['n_C']}, f={p['f']}, s={p['stride']}"
        return f"N={p['N']}, D={p['D']}"

    def to_json(self) -> dict:
        return {"function": self.function, "size": self.size, "params": self.params, "target": self.target}


def conv_flops(p: dict) -> float:
    """Multiply-adds of conv_backward, counted as 2 flops: dW and dA_prev each cost
    2 * m * n_H * n_W * F * f * f * C (db is negligible)."""
    n_H = (p["n_H"] - p["f"] + 2 * p["pad"]) // p["stride"] + 1
    n_W = (p["n_W"] - p["f"] + 2 * p["pad"]) // p["stride"] + 1
    return 2 * (2.0 * p["m"] * n_H * n_W * p["n_C"] * p["f"] ** 2 * p["n_C_prev"])


def _conv(function, size, m, n_H, n_W, n_C_prev, f, n_C, stride, pad, target=""):
    return Case(function, size, dict(m=m, n_H=n_H, n_W=n_W, n_C_prev=n_C_prev, f=f, n_C=n_C, stride=stride, pad=pad),
                target)


def _pool(mode, size, m, n_H, n_W, n_C, f, stride, target=""):
    return Case(f"pool_backward {mode}", size, dict(m=m, n_H=n_H, n_W=n_W, n_C=n_C, f=f, stride=stride, mode=mode),
                target)


def _bn(function, size, N, D, target=""):
    return Case(function, size, dict(N=N, D=D), target)


CASES: list[Case] = [
    # course-sized: like the public and hidden cases of the notebooks
    _conv("conv_backward", "course", 10, 4, 4, 3, 2, 8, 2, 2),
    _conv("conv_backward", "course", 8, 16, 16, 8, 3, 16, 1, 1),  # the speed feedback's case
    _conv("conv_backward", "target", 32, 32, 32, 16, 3, 32, 1, 1, target="conv A"),
    _conv("conv_backward", "target", 16, 28, 28, 8, 5, 16, 2, 2, target="conv B"),
    _conv("conv_backward", "larger", 64, 32, 32, 32, 3, 64, 1, 1),
    _pool("max", "course", 5, 5, 3, 2, 2, 1),
    _pool("max", "course", 8, 16, 16, 8, 2, 2),  # the speed feedback's case
    _pool("max", "target", 32, 32, 32, 16, 2, 2, target="max pool f=2"),
    _pool("max", "target", 32, 32, 32, 16, 3, 2, target="max pool f=3"),
    _pool("average", "course", 5, 5, 3, 2, 2, 1),
    _pool("average", "larger", 32, 32, 32, 16, 2, 2),
    _pool("average", "larger", 32, 32, 32, 16, 3, 2),
    _bn("batchnorm_backward", "course", 100, 500),
    _bn("batchnorm_backward", "larger", 256, 64),
    _bn("batchnorm_backward", "larger", 1024, 512),
    _bn("batchnorm_backward_alt", "course", 100, 500),
    _bn("batchnorm_backward_alt", "target", 256, 64, target="batchnorm alt 256x64"),
    _bn("batchnorm_backward_alt", "target", 1024, 512, target="batchnorm alt 1024x512"),
]


def build(case: Case, seed: int = 0) -> tuple:
    """The reference's arguments for ``case``: (upstream gradient, cache, extra kwargs).

    conv: dZ, (A_prev, W, b, hparameters); pool: dA, (A_prev, hparameters), {"mode": mode}
    (A_prev a permutation of distinct values: no ties inside a window); bn: dout, the cache
    of batchnorm_forward in train mode."""
    rng = np.random.default_rng(seed)
    p = case.params
    if case.kind == "conv":
        A_prev = rng.standard_normal((p["m"], p["n_H"], p["n_W"], p["n_C_prev"]))
        W = rng.standard_normal((p["f"], p["f"], p["n_C_prev"], p["n_C"]))
        b = rng.standard_normal((1, 1, 1, p["n_C"]))
        Z, cache = conv_forward(A_prev, W, b, {"stride": p["stride"], "pad": p["pad"]})
        return rng.standard_normal(Z.shape), cache, {}
    if case.kind == "pool":
        n = p["m"] * p["n_H"] * p["n_W"] * p["n_C"]
        A_prev = rng.permutation(np.linspace(-2, 2, n)).reshape(p["m"], p["n_H"], p["n_W"], p["n_C"])
        A, cache = pool_forward(A_prev, {"f": p["f"], "stride": p["stride"]}, mode=p["mode"])
        return rng.standard_normal(A.shape), cache, {"mode": p["mode"]}
    x = 12 + 5 * rng.standard_normal((p["N"], p["D"]))
    out, cache = batchnorm_forward(x, rng.standard_normal(p["D"]), rng.standard_normal(p["D"]), {"mode": "train"})
    return rng.standard_normal(out.shape), cache, {}


def subset(case: Case, args: tuple, k: int) -> tuple:
    """``build``'s arguments cut down to k independent slices: the first k examples of a
    conv or pool case, the first k features of a batch norm case (whose features are
    independent), so that the naive loops, linear in them, can be timed on a part."""
    grad, cache, kwargs = args
    if case.kind == "conv":
        A_prev, W, b, hp = cache
        return grad[:k], (A_prev[:k], W, b, hp), kwargs
    if case.kind == "pool":
        A_prev, hp = cache
        return grad[:k], (A_prev[:k], hp), kwargs
    x, x_hat, mu, var, gamma, beta, eps = cache
    return grad[:, :k], (x[:, :k], x_hat[:, :k], mu[:k], var[:k], gamma[:k], beta[:k], eps), kwargs


def slices(case: Case) -> int:
    """How many independent slices ``subset`` can cut ``case`` into."""
    return case.params["D"] if case.kind == "bn" else case.params["m"]


def rel_diff(got, expected) -> float:
    """The largest ``||a - b|| / (||a|| + ||b||)`` over the arrays of two outputs (tuples
    or single arrays), as ``grader.gradcheck.relative_error``; inf when shapes differ."""
    got = got if isinstance(got, tuple) else (got,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    worst = 0.0
    for a, b in zip(got, expected):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            return float("inf")
        den = float(np.linalg.norm(a.ravel()) + np.linalg.norm(b.ravel()))
        worst = max(worst, float(np.linalg.norm((a - b).ravel())) / max(den, 1e-12))
    return worst


def reference(case: Case) -> Callable:
    """The function of ``solutions`` that ``case`` times (looked up when called, so a
    changed reference is timed as it is now)."""
    return getattr(solutions, case.function.split()[0])
