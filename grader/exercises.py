"""The course's exercises: which notebook holds which function, and what it returns.

This is data about the contract of COURSE_SPEC.md, not reference code; it ships to
students with the self-checks.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Exercise", "NOTEBOOKS", "PROVIDED", "EXERCISES", "exercise"]


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
    """

    name: str
    notebook: str
    outputs: tuple[str, ...] = ()
    returns_dict: str | None = None
    may_mutate: tuple[int, ...] = ()

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
        Exercise("dropout_backward", _NB3, ("dx",)),
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


def exercise(name: str) -> Exercise:
    """The exercise called ``name``; a KeyError that lists the known names otherwise."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(f"unknown exercise {name!r}; known: {', '.join(EXERCISES)}") from None
