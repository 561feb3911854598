"""The PyTorch side of bench_reference.py: autograd backward of the same cases, float64, CPU.

Run by ``bench_reference.py`` in whatever interpreter has torch (``TORCH_PYTHON``), with
the repository root on ``PYTHONPATH`` so that ``bench.common`` and ``solutions`` import:

    echo '{"cases": [...]}' | TORCH_PYTHON -m bench.torch_backward

It reads the cases (``Case.to_json()``) as JSON on standard input, builds the very same
numpy arrays (``bench.common.build``, same seed), and for each case times only

    torch.autograd.grad(out, inputs, grad_out, retain_graph=True)

with ``out`` the forward output in torch's own layout (NCHW for conv and pool, the
channels-last arrays transposed and made contiguous once, before timing), and
``torch.set_num_threads`` the CPU count. It checks the gradients against the reference
and writes JSON on standard output: torch's version, its threads, and per case the
seconds per call and the relative difference from the reference (or an error).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

from bench.common import Case, autorange, build, reference, rel_diff


def graph(case: Case, args: tuple):
    """(out, inputs, grad_out, to_ours) for ``case``: ``to_ours`` maps torch's gradients
    back to the reference's layout and outputs."""
    grad, cache, kwargs = args
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).requires_grad_(True)  # noqa: E731
    if case.kind == "conv":
        A_prev, W, b, hp = cache
        x, w, bias = t(A_prev.transpose(0, 3, 1, 2)), t(W.transpose(3, 2, 0, 1)), t(b.reshape(-1))
        out = F.conv2d(x, w, bias, stride=hp["stride"], padding=hp["pad"])
        go = torch.from_numpy(np.ascontiguousarray(grad.transpose(0, 3, 1, 2)))
        return out, (x, w, bias), go, lambda g: (g[0].numpy().transpose(0, 2, 3, 1),
                                                 g[1].numpy().transpose(2, 3, 1, 0), g[2].numpy().reshape(b.shape))
    if case.kind == "pool":
        A_prev, hp = cache
        x = t(A_prev.transpose(0, 3, 1, 2))
        pool = F.max_pool2d if kwargs["mode"] == "max" else F.avg_pool2d
        out = pool(x, kernel_size=hp["f"], stride=hp["stride"])
        go = torch.from_numpy(np.ascontiguousarray(grad.transpose(0, 3, 1, 2)))
        return out, (x,), go, lambda g: g[0].numpy().transpose(0, 2, 3, 1)
    x, x_hat, mu, var, gamma, beta, eps = cache
    xt, gt, bt = t(x), t(gamma), t(beta)
    out = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
    return out, (xt, gt, bt), torch.from_numpy(grad), lambda g: tuple(a.numpy() for a in g)


def run(case: Case, timed: dict) -> dict:
    """Time ``case`` (once per graph: batchnorm_backward and batchnorm_backward_alt of a
    shape share torch's), and compare torch's gradients with the reference's."""
    args = build(case)
    out, inputs, go, to_ours = graph(case, args)
    grads = torch.autograd.grad(out, inputs, go, retain_graph=True)
    diff = rel_diff(to_ours(grads), reference(case)(args[0], args[1], **args[2]))
    key = json.dumps([case.kind, case.params], sort_keys=True)
    if key not in timed:
        timed[key] = autorange(lambda: torch.autograd.grad(out, inputs, go, retain_graph=True))
    return {"time": timed[key], "rel_diff": diff}


def main() -> int:
    spec = json.load(sys.stdin)
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(threads)
    torch.set_grad_enabled(True)
    results, timed = [], {}
    for c in spec["cases"]:
        case = Case(c["function"], c["size"], c["params"], c.get("target", ""))
        try:
            results.append(run(case, timed))
        except Exception as exc:  # one case failing must not lose the others
            results.append({"error": f"{type(exc).__name__}: {exc}"})
    json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
