"""The course's exercises: which notebook holds which function, and what it returns.

This is data about the contract of COURSE_SPEC.md, not reference code; it ships to
students with the self-checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Exercise", "NOTEBOOKS", "PROVIDED", "EXERCISES", "HELPERS", "AXES", "exercise", "output_axes"]


@dataclass(frozen=True)
class Exercise:
    """A graded function.

    Attributes:
        name: the function's name; the exercise id in every output.
        notebook: the notebook's file stem, e.g. ``"01_deep_nn_backward"``.
        outputs: names of the returned arrays, in order (one name: the function
            returns that array itself, not a tuple); empty for a function that
            returns a dict of arrays.
        returns_dict: the name of the returned dict (``grads``, ``parameters``), or None.
        may_mutate: argument positions the function may change in place.
        deterministic_check: call it twice per case and flag different results (a
            dropout backward that draws a new mask instead of using the cache's).
    """

    name: str
    notebook: str
    outputs: tuple[str, ...] = ()
    returns_dict: str | None = None
    may_mutate: tuple[int, ...] = ()
    deterministic_check: bool = False

    def label(self, output: str) -> str:
        """How feedback names an output: ``dW``, or ``grads["dW2"]`` in a returned dict."""
        return f'{self.returns_dict}["{output}"]' if self.returns_dict else output

    def split(self, value: Any) -> dict[str, Any] | None:
        """A return value as ``{output name: value}``; None when its structure is wrong
        (not a dict, not a tuple of the right length, or None where one array is due)."""
        if self.returns_dict:
            return dict(value) if isinstance(value, dict) else None
        if len(self.outputs) == 1:
            return None if value is None else {self.outputs[0]: value}
        if isinstance(value, (tuple, list)) and len(value) == len(self.outputs):
            return dict(zip(self.outputs, value))
        return None

    def describe_return(self) -> str:
        if self.returns_dict:
            return f"a dict {self.returns_dict}"
        if len(self.outputs) == 1:
            return f"the array {self.outputs[0]}"
        return "a tuple (" + ", ".join(self.outputs) + ")"


_NB1, _NB2, _NB3 = "01_deep_nn_backward", "02_conv_pool_backward", "03_batchnorm_dropout_backward"

EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in [
        Exercise("relu_backward", _NB1, ("dZ",)),
        Exercise("sigmoid_backward", _NB1, ("dZ",)),
        Exercise("linear_backward", _NB1, ("dA_prev", "dW", "db")),
        Exercise("linear_activation_backward", _NB1, ("dA_prev", "dW", "db")),
        Exercise("L_model_backward", _NB1, returns_dict="grads"),
        Exercise("update_parameters", _NB1, returns_dict="parameters", may_mutate=(0,)),
        Exercise("conv_backward", _NB2, ("dA_prev", "dW", "db")),
        Exercise("create_mask_from_window", _NB2, ("mask",)),
        Exercise("distribute_value", _NB2, ("a",)),
        Exercise("pool_backward", _NB2, ("dA_prev",)),
        Exercise("batchnorm_backward", _NB3, ("dx", "dgamma", "dbeta")),
        Exercise("batchnorm_backward_alt", _NB3, ("dx", "dgamma", "dbeta")),
        Exercise("dropout_backward", _NB3, ("dx",), deterministic_check=True),
    ]
}

#: Graded functions per notebook, in the order the notebook teaches them.
NOTEBOOKS: dict[str, tuple[str, ...]] = {}
for _e in EXERCISES.values():
    NOTEBOOKS.setdefault(_e.notebook, ())
    NOTEBOOKS[_e.notebook] += (_e.name,)

#: Functions given to students, complete, per notebook.
PROVIDED: dict[str, tuple[str, ...]] = {
    _NB1: ("sigmoid", "relu", "linear_forward", "linear_activation_forward",
           "L_model_forward", "compute_cost"),
    _NB2: ("zero_pad", "conv_forward", "pool_forward"),
    _NB3: ("batchnorm_forward", "dropout_forward"),
}


#: The graded functions each graded function is expected to call (its helpers), so that a
#: mistake in a helper is blamed there and not in its caller.
HELPERS: dict[str, tuple[str, ...]] = {
    "linear_activation_backward": ("relu_backward", "sigmoid_backward", "linear_backward"),
    "L_model_backward": ("linear_activation_backward", "relu_backward", "sigmoid_backward", "linear_backward"),
    "pool_backward": ("create_mask_from_window", "distribute_value"),
}

_DENSE = {"dZ": ("n_l", "m"), "dA_prev": ("n_{l-1}", "m"), "dW": ("n_l", "n_{l-1}"), "db": ("n_l", "1")}
_IMAGE = ("m", "n_H_prev", "n_W_prev", "n_C_prev")

#: Names of the axes of each output, for heatmaps of where an output is wrong.
AXES: dict[str, dict[str, tuple[str, ...]]] = {
    "relu_backward": _DENSE, "sigmoid_backward": _DENSE,
    "linear_backward": _DENSE, "linear_activation_backward": _DENSE,
    "conv_backward": {"dA_prev": _IMAGE, "dW": ("f", "f", "n_C_prev", "n_C"), "db": ("1", "1", "1", "n_C")},
    "pool_backward": {"dA_prev": _IMAGE},
    "create_mask_from_window": {"mask": ("f", "f")},
    "distribute_value": {"a": ("n_H", "n_W")},
    "batchnorm_backward": {"dx": ("N", "D"), "dgamma": ("D",), "dbeta": ("D",)},
    "batchnorm_backward_alt": {"dx": ("N", "D"), "dgamma": ("D",), "dbeta": ("D",)},
    "dropout_backward": {"dx": ("N", "D")},
}


def output_axes(name: str, output: str) -> tuple[str, ...]:
    """The axis names of one output (``grads["dW2"]`` and the like: by its prefix)."""
    table = AXES.get(name, {})
    if output in table:
        return table[output]
    key = output.rstrip("0123456789")
    if name == "L_model_backward":
        return {"dA": ("n_l", "m"), "dW": ("n_l", "n_{l-1}"), "db": ("n_l", "1")}.get(key, ())
    if name == "update_parameters":
        return {"W": ("n_l", "n_{l-1}"), "b": ("n_l", "1")}.get(key, ())
    return ()


def exercise(name: str) -> Exercise:
    """The exercise called ``name``; a KeyError that lists the known names otherwise."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(f"unknown exercise {name!r}; known: {', '.join(EXERCISES)}") from None
