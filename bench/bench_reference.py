"""Time the vectorized reference against naive loops, and the two gradient checks.

Run from the repository root:

    python bench/bench_reference.py

Prints two tables:

1. conv_backward, pool_backward (max, average), batchnorm_backward and
   batchnorm_backward_alt from ``solutions/`` against the loop versions of
   ``bench/naive.py``, on a course-sized shape and a larger one: best time of several
   runs (``time.perf_counter``), the speed-up, and the relative error between the two
   (which doubles as a check that a loop-based student solution matches).
2. Checking a conv layer's backward pass with ``grader.gradcheck``: the full
   element-wise ``numerical_vjp`` of dA_prev, dW and db against
   ``directional_check_many`` with 3 directions: time and forward calls of each.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import bench.naive as naive  # noqa: E402
from grader.gradcheck import directional_check_many, numerical_vjp, relative_error  # noqa: E402
from solutions import (  # noqa: E402
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    conv_backward,
    conv_forward,
    pool_backward,
    pool_forward,
)


def best_time(fn: Callable[[], object], repeats: int) -> float:
    """Best wall time of ``repeats`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:7.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:7.2f} ms"
    return f"{seconds:7.2f} s "


def max_rel_error(a, b) -> float:
    return max(relative_error(x, y) for x, y in zip(a, b)) if isinstance(a, tuple) else relative_error(a, b)


# --------------------------------------------------------------------------- the cases


def conv_case(m, n_H, n_W, n_C_prev, f, n_C, stride, pad, seed=0):
    rng = np.random.default_rng(seed)
    A_prev = rng.standard_normal((m, n_H, n_W, n_C_prev))
    W = rng.standard_normal((f, f, n_C_prev, n_C))
    b = rng.standard_normal((1, 1, 1, n_C))
    Z, cache = conv_forward(A_prev, W, b, {"stride": stride, "pad": pad})
    dZ = rng.standard_normal(Z.shape)
    return (lambda: conv_backward(dZ, cache)), (lambda: naive.conv_backward(dZ, cache))


def pool_case(m, n_H, n_W, n_C, f, stride, mode, seed=0):
    rng = np.random.default_rng(seed)
    A_prev = rng.permutation(np.linspace(-2, 2, m * n_H * n_W * n_C)).reshape(m, n_H, n_W, n_C)
    A, cache = pool_forward(A_prev, {"f": f, "stride": stride}, mode=mode)
    dA = rng.standard_normal(A.shape)
    return (lambda: pool_backward(dA, cache, mode=mode)), (lambda: naive.pool_backward(dA, cache, mode=mode))


def bn_case(N, D, alt, seed=0):
    rng = np.random.default_rng(seed)
    x = 12 + 5 * rng.standard_normal((N, D))
    out, cache = batchnorm_forward(x, rng.standard_normal(D), rng.standard_normal(D), {"mode": "train"})
    dout = rng.standard_normal(out.shape)
    ref = batchnorm_backward_alt if alt else batchnorm_backward
    return (lambda: ref(dout, cache)), (lambda: naive.batchnorm_backward(dout, cache))


COURSE, LARGE = "course", "larger"

CASES = [
    # function, size, shape in words, the case, repeats of (reference, naive)
    ("conv_backward", COURSE, "m=10, 4x4x3, f=2, 8 filters, s=2, p=2",
     lambda: conv_case(10, 4, 4, 3, 2, 8, 2, 2), (50, 5)),
    ("conv_backward", LARGE, "m=32, 32x32x16, f=3, 32 filters, s=1, p=1",
     lambda: conv_case(32, 32, 32, 16, 3, 32, 1, 1), (5, 1)),
    ("pool_backward max", COURSE, "m=5, 5x3x2, f=2, s=1 (overlapping)",
     lambda: pool_case(5, 5, 3, 2, 2, 1, "max"), (50, 5)),
    ("pool_backward average", COURSE, "m=5, 5x3x2, f=2, s=1 (overlapping)",
     lambda: pool_case(5, 5, 3, 2, 2, 1, "average"), (50, 5)),
    ("pool_backward max", LARGE, "m=32, 32x32x16, f=3, s=2 (overlapping)",
     lambda: pool_case(32, 32, 32, 16, 3, 2, "max"), (5, 1)),
    ("pool_backward average", LARGE, "m=32, 32x32x16, f=3, s=2 (overlapping)",
     lambda: pool_case(32, 32, 32, 16, 3, 2, "average"), (5, 1)),
    ("batchnorm_backward", COURSE, "N=100, D=500 (CS231n)",
     lambda: bn_case(100, 500, alt=False), (50, 2)),
    ("batchnorm_backward_alt", COURSE, "N=100, D=500 (CS231n)",
     lambda: bn_case(100, 500, alt=True), (50, 2)),
    ("batchnorm_backward", LARGE, "N=1024, D=512",
     lambda: bn_case(1024, 512, alt=False), (10, 1)),
    ("batchnorm_backward_alt", LARGE, "N=1024, D=512",
     lambda: bn_case(1024, 512, alt=True), (10, 1)),
]


def backward_table() -> list[str]:
    head = f"{'function':<24} {'size':<7} {'shape':<42} {'reference':>10} {'naive':>10} {'speed-up':>9} {'rel. diff':>9}"
    lines = [head, "-" * len(head)]
    for name, size, shape, make, (rep_ref, rep_naive) in CASES:
        ref, loop = make()
        ref()  # warm up
        t_ref = best_time(ref, rep_ref)
        t0 = time.perf_counter()
        loop_out = loop()
        t_loop = time.perf_counter() - t0
        if rep_naive > 1:
            t_loop = min(t_loop, best_time(loop, rep_naive - 1))
        diff = max_rel_error(loop_out, ref())
        lines.append(f"{name:<24} {size:<7} {shape:<42} {fmt_time(t_ref):>10} {fmt_time(t_loop):>10} "
                     f"{t_loop / t_ref:>8.0f}x {diff:>9.1e}")
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


def main() -> int:
    t0 = time.perf_counter()
    print("Backward passes: vectorized reference (solutions/) vs naive loops (bench/naive.py)")
    print("time: best of several runs (time.perf_counter); naive on the larger shapes: 1 run")
    print("rel. diff: relative_error(naive, reference), the largest over the returned arrays")
    print()
    print("\n".join(backward_table()))
    print()
    print("Gradient checks (grader/gradcheck.py)")
    print("\n".join(gradcheck_table()))
    print()
    print(f"numpy {np.__version__}, total {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
