"""The reference package: every provided and graded function of COURSE_SPEC.md.

One module per layer family; notebook 01 is ``dense``, notebook 02 ``conv`` and
``pool``, notebook 03 ``batchnorm`` and ``dropout``. Each function's source is copied
verbatim into its notebook, so it uses only ``np`` and the other functions of the same
notebook.
"""

from solutions.batchnorm import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward
from solutions.conv import conv_backward, conv_forward, zero_pad
from solutions.dense import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    update_parameters,
)
from solutions.dropout import dropout_backward, dropout_forward
from solutions.pool import create_mask_from_window, distribute_value, pool_backward, pool_forward

__all__ = [
    # notebook 01
    "sigmoid",
    "relu",
    "linear_forward",
    "linear_activation_forward",
    "L_model_forward",
    "compute_cost",
    "relu_backward",
    "sigmoid_backward",
    "linear_backward",
    "linear_activation_backward",
    "L_model_backward",
    "update_parameters",
    # notebook 02
    "zero_pad",
    "conv_forward",
    "conv_backward",
    "pool_forward",
    "create_mask_from_window",
    "distribute_value",
    "pool_backward",
    # notebook 03
    "batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "dropout_forward",
    "dropout_backward",
]
