"""The published test cases of the notebooks these conventions come from, run on the reference.

Inputs are rebuilt exactly as the original generators build them: the Coursera ones
with ``np.random.seed(k)`` and the legacy ``np.random.randn`` (here an equivalent
``np.random.RandomState(k)``, which leaves the global state alone), the CS231n ones with
``np.random.seed(231)``. Expected numbers are the printed outputs of those notebooks,
so the tolerance is their print precision (8 decimals: atol 1e-8; the 12-digit means:
atol 1e-10). Sources (public GitHub copies of the course material):

[DNN]   amanchadha/coursera-deep-learning-specialization, "C1 - Neural Networks and Deep
        Learning/Week 4/Building your Deep Neural Network - Step by Step/":
        testCases_v4a.py (the generators) and
        Building_your_Deep_Neural_Network_Step_by_Step_v8a.ipynb (the expected outputs),
        commit 1a28b459d8b0c77f72cc1ac114564d2c367f486b. v8a is the version whose
        L_model_backward stores grads["dA" + str(L-1)] for the last layer, as our spec
        does; older versions (testCases_v3/v4) shifted the dA keys by one.
[CONV]  same repository, "C4 - Convolutional Neural Networks/Week 1/
        Convolution_model_Step_by_Step_v2a.ipynb" (generators inline, expected outputs in
        the markdown cells), commit 835e099dfeb8b63caeabe25311ae400b0590a4a1.
[BN]    0809zheng/CS231n-assignment2019, assignment2/BatchNormalization.ipynb, and
[DROP]  the same repository's assignment2/Dropout.ipynb (CS231n 2019, p = keep
        probability), commit bfc81c1989e71b4887a9bcd581b273d2faefb90d.

Not reconstructible, so not here: the CS231n dropout train-time numbers (they come from
the legacy np.random.rand inside the student's dropout_forward; our spec draws from
np.random.default_rng), and the printed gradient-check errors of CS231n (they measure
the student's own numerical error, not a value of the function).
"""

import numpy as np
import pytest

from helpers import GRAD_TOL, check_vjp
from grader.gradcheck import relative_error
from solutions import (
    L_model_backward,
    L_model_forward,
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    compute_cost,
    conv_backward,
    conv_forward,
    create_mask_from_window,
    distribute_value,
    dropout_backward,
    dropout_forward,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    pool_backward,
    pool_forward,
    update_parameters,
    zero_pad,
)

PRINTED_8 = 1e-8    # values printed with 8 decimals
PRINTED_12 = 1e-10  # means printed with 11-12 digits


def check_published(got: dict, expected: dict, atol: float) -> None:
    """The one helper: every expected output, by name, to the print precision."""
    assert set(expected) <= set(got)
    for name, exp in expected.items():
        exp = np.asarray(exp)
        value = np.asarray(got[name])
        assert value.shape == exp.shape, f"{name}: shape {value.shape}, expected {exp.shape}"
        np.testing.assert_allclose(value, exp, rtol=0, atol=atol, err_msg=name)


# --------------------------------------------------------------------------- [DNN] generators
# Transcribed from testCases_v4a.py.


def linear_forward_test_case():
    r = np.random.RandomState(1)
    return r.randn(3, 2), r.randn(1, 3), r.randn(1, 1)


def linear_activation_forward_test_case():
    r = np.random.RandomState(2)
    return r.randn(3, 2), r.randn(1, 3), r.randn(1, 1)


def L_model_forward_test_case_2hidden():
    r = np.random.RandomState(6)
    X = r.randn(5, 4)
    params = {}
    for l, shape in enumerate([(4, 5), (3, 4), (1, 3)], start=1):
        params["W" + str(l)] = r.randn(*shape)
        params["b" + str(l)] = r.randn(shape[0], 1)
    return X, params


def linear_backward_test_case():
    r = np.random.RandomState(1)
    dZ = r.randn(3, 4)
    A, W, b = r.randn(5, 4), r.randn(3, 5), r.randn(3, 1)
    return dZ, (A, W, b)


def linear_activation_backward_test_case():
    r = np.random.RandomState(2)
    dA = r.randn(1, 2)
    A, W, b = r.randn(3, 2), r.randn(1, 3), r.randn(1, 1)
    Z = r.randn(1, 2)
    return dA, ((A, W, b), Z)


def L_model_backward_test_case():
    r = np.random.RandomState(3)
    AL = r.randn(1, 2)
    Y = np.array([[1, 0]])
    cache_1 = ((r.randn(4, 2), r.randn(3, 4), r.randn(3, 1)), r.randn(3, 2))
    cache_2 = ((r.randn(3, 2), r.randn(1, 3), r.randn(1, 1)), r.randn(1, 2))
    return AL, Y, (cache_1, cache_2)


def update_parameters_test_case():
    r = np.random.RandomState(2)
    params = {"W1": r.randn(3, 4), "b1": r.randn(3, 1), "W2": r.randn(1, 3), "b2": r.randn(1, 1)}
    r = np.random.RandomState(3)
    grads = {"dW1": r.randn(3, 4), "db1": r.randn(3, 1), "dW2": r.randn(1, 3), "db2": r.randn(1, 1)}
    return params, grads


# --------------------------------------------------------------------------- [DNN] runs


def run_linear_forward():
    Z, _ = linear_forward(*linear_forward_test_case())
    return {"Z": Z}


def run_linear_activation_forward():
    A_prev, W, b = linear_activation_forward_test_case()
    return {"A sigmoid": linear_activation_forward(A_prev, W, b, "sigmoid")[0],
            "A relu": linear_activation_forward(A_prev, W, b, "relu")[0]}


def run_L_model_forward():
    AL, caches = L_model_forward(*L_model_forward_test_case_2hidden())
    return {"AL": AL, "len(caches)": len(caches)}


def run_compute_cost():
    return {"cost": compute_cost(np.array([[0.8, 0.9, 0.4]]), np.asarray([[1, 1, 0]]))}


def run_linear_backward():
    dA_prev, dW, db = linear_backward(*linear_backward_test_case())
    return {"dA_prev": dA_prev, "dW": dW, "db": db}


def run_linear_activation_backward():
    dA, cache = linear_activation_backward_test_case()
    out = {}
    for activation in ("sigmoid", "relu"):
        for name, value in zip(("dA_prev", "dW", "db"), linear_activation_backward(dA, cache, activation)):
            out[f"{name} {activation}"] = value
    return out


def run_L_model_backward(flat_y=False):
    AL, Y, caches = L_model_backward_test_case()
    grads = L_model_backward(AL, Y.reshape(-1) if flat_y else Y, caches)
    return {"dW1": grads["dW1"], "db1": grads["db1"], "dA1": grads["dA1"]}


def run_update_parameters():
    params, grads = update_parameters_test_case()
    return update_parameters(params, grads, 0.1)


# --------------------------------------------------------------------------- [CONV] runs
# Generators inline in Convolution_model_Step_by_Step_v2a.ipynb.


def run_zero_pad():
    x = np.random.RandomState(1).randn(4, 3, 3, 2)
    x_pad = zero_pad(x, 2)
    return {"x_pad.shape": x_pad.shape, "x[1,1]": x[1, 1], "x_pad[1,1]": x_pad[1, 1]}


def run_conv_forward():
    r = np.random.RandomState(1)
    A_prev, W, b = r.randn(10, 5, 7, 4), r.randn(3, 3, 4, 8), r.randn(1, 1, 1, 8)
    Z, cache_conv = conv_forward(A_prev, W, b, {"pad": 1, "stride": 2})
    return {"Z mean": np.mean(Z), "Z[3,2,1]": Z[3, 2, 1], "cache_conv[0][1][2][3]": cache_conv[0][1][2][3]}


def run_pool_forward(stride):
    A_prev = np.random.RandomState(1).randn(2, 5, 5, 3)
    hp = {"stride": stride, "f": 3}
    return {"A max": pool_forward(A_prev, hp)[0], "A average": pool_forward(A_prev, hp, mode="average")[0]}


def run_conv_backward():
    r = np.random.RandomState(1)
    A_prev, W, b = r.randn(10, 4, 4, 3), r.randn(2, 2, 3, 8), r.randn(1, 1, 1, 8)
    Z, cache_conv = conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = conv_backward(Z, cache_conv)
    return {"dA_mean": np.mean(dA), "dW_mean": np.mean(dW), "db_mean": np.mean(db)}


def run_create_mask_from_window():
    x = np.random.RandomState(1).randn(2, 3)
    return {"x": x, "mask": create_mask_from_window(x)}


def run_distribute_value():
    return {"a": distribute_value(2, (2, 2))}


def run_pool_backward():
    r = np.random.RandomState(1)
    A_prev = r.randn(5, 5, 3, 2)
    _, cache = pool_forward(A_prev, {"stride": 1, "f": 2})  # stride 1 < f 2: overlapping windows
    dA = r.randn(5, 4, 2, 2)
    return {"mean of dA": np.mean(dA),
            "dA_prev[1,1] max": pool_backward(dA, cache, mode="max")[1, 1],
            "dA_prev[1,1] average": pool_backward(dA, cache, mode="average")[1, 1]}


# --------------------------------------------------------------------------- [BN] runs


def run_batchnorm_train_forward():
    r = np.random.RandomState(231)
    N, D1, D2, D3 = 200, 50, 60, 3
    X, W1, W2 = r.randn(N, D1), r.randn(D1, D2), r.randn(D2, D3)
    a = np.maximum(0, X.dot(W1)).dot(W2)
    a1, _ = batchnorm_forward(a, np.ones(D3), np.zeros(D3), {"mode": "train"})
    a2, _ = batchnorm_forward(a, np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0]), {"mode": "train"})
    return {"before means": a.mean(axis=0), "before stds": a.std(axis=0),
            "gamma=1 means": a1.mean(axis=0), "gamma=1 stds": a1.std(axis=0),
            "gamma=[1,2,3] means": a2.mean(axis=0), "gamma=[1,2,3] stds": a2.std(axis=0)}


def run_batchnorm_test_forward():
    r = np.random.RandomState(231)
    N, D1, D2, D3 = 200, 50, 60, 3
    W1, W2 = r.randn(D1, D2), r.randn(D2, D3)
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(D3), np.zeros(D3)
    for _ in range(50):
        X = r.randn(N, D1)
        batchnorm_forward(np.maximum(0, X.dot(W1)).dot(W2), gamma, beta, bn_param)
    bn_param["mode"] = "test"
    X = r.randn(N, D1)
    a_norm, _ = batchnorm_forward(np.maximum(0, X.dot(W1)).dot(W2), gamma, beta, bn_param)
    return {"test-time means": a_norm.mean(axis=0), "test-time stds": a_norm.std(axis=0)}


def run_dropout_input_mean():
    x = np.random.RandomState(231).randn(500, 500) + 10
    out, _ = dropout_forward(x, {"mode": "test", "p": 0.25})
    return {"Mean of input": x.mean(), "Mean of test-time output": out.mean(),
            "Fraction of test-time output set to zero": (out == 0).mean()}


# --------------------------------------------------------------------------- the table

PUBLISHED = [
    # id, run, expected (the printed output), atol
    ("DNN linear_forward", run_linear_forward,
     {"Z": [[3.26295337, -1.23429987]]}, PRINTED_8),
    ("DNN linear_activation_forward", run_linear_activation_forward,
     {"A sigmoid": [[0.96890023, 0.11013289]], "A relu": [[3.43896131, 0.0]]}, PRINTED_8),
    ("DNN L_model_forward 2 hidden", run_L_model_forward,
     {"AL": [[0.03921668, 0.70498921, 0.19734387, 0.04728177]], "len(caches)": 3}, PRINTED_8),
    ("DNN compute_cost", run_compute_cost,
     {"cost": 0.2797765635793422}, 1e-15),
    ("DNN linear_backward", run_linear_backward,
     {"dA_prev": [[-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                  [0.60345879, -3.72508701, 5.81700741, -3.84326836],
                  [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
                  [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
                  [-2.52214926, 2.67882552, -0.67947465, 1.48119548]],
      "dW": [[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
             [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
             [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]],
      "db": [[-0.14713786], [-0.11313155], [-0.13209101]]}, PRINTED_8),
    ("DNN linear_activation_backward", run_linear_activation_backward,
     {"dA_prev sigmoid": [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]],
      "dW sigmoid": [[0.10266786, 0.09778551, -0.01968084]],
      "db sigmoid": [[-0.05729622]],
      "dA_prev relu": [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]],
      "dW relu": [[0.44513824, 0.37371418, -0.10478989]],
      "db relu": [[-0.20837892]]}, PRINTED_8),
    ("DNN L_model_backward", run_L_model_backward,
     {"dW1": [[0.41010002, 0.07807203, 0.13798444, 0.10502167],
              [0.0, 0.0, 0.0, 0.0],
              [0.05283652, 0.01005865, 0.01777766, 0.0135308]],
      "db1": [[-0.22007063], [0.0], [-0.02835349]],
      "dA1": [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]]}, PRINTED_8),
    ("DNN L_model_backward, Y as (m,)", lambda: run_L_model_backward(flat_y=True),
     {"dW1": [[0.41010002, 0.07807203, 0.13798444, 0.10502167],
              [0.0, 0.0, 0.0, 0.0],
              [0.05283652, 0.01005865, 0.01777766, 0.0135308]],
      "db1": [[-0.22007063], [0.0], [-0.02835349]],
      "dA1": [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]]}, PRINTED_8),
    ("DNN update_parameters", run_update_parameters,
     {"W1": [[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
             [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
             [-1.0535704, -0.86128581, 0.68284052, 2.20374577]],
      "b1": [[-0.04659241], [-1.28888275], [0.53405496]],
      "W2": [[-0.55569196, 0.0354055, 1.32964895]],
      "b2": [[-0.84610769]]}, PRINTED_8),
    ("CONV zero_pad", run_zero_pad,
     {"x_pad.shape": (4, 7, 7, 2),
      "x[1,1]": [[0.90085595, -0.68372786], [-0.12289023, -0.93576943], [-0.26788808, 0.53035547]],
      "x_pad[1,1]": np.zeros((7, 2))}, PRINTED_8),
    ("CONV conv_forward", run_conv_forward,
     {"Z mean": 0.692360880758,
      "Z[3,2,1]": [-1.28912231, 2.27650251, 6.61941931, 0.95527176, 8.25132576,
                   2.31329639, 13.00689405, 2.34576051],
      "cache_conv[0][1][2][3]": [-1.1191154, 1.9560789, -0.3264995, -1.34267579]}, PRINTED_8),
    ("CONV pool_forward stride 1", lambda: run_pool_forward(1),
     {"A max": [[[[1.74481176, 0.90159072, 1.65980218], [1.74481176, 1.46210794, 1.65980218],
                  [1.74481176, 1.6924546, 1.65980218]],
                 [[1.14472371, 0.90159072, 2.10025514], [1.14472371, 0.90159072, 1.65980218],
                  [1.14472371, 1.6924546, 1.65980218]],
                 [[1.13162939, 1.51981682, 2.18557541], [1.13162939, 1.51981682, 2.18557541],
                  [1.13162939, 1.6924546, 2.18557541]]],
                [[[1.19891788, 0.84616065, 0.82797464], [0.69803203, 0.84616065, 1.2245077],
                  [0.69803203, 1.12141771, 1.2245077]],
                 [[1.96710175, 0.84616065, 1.27375593], [1.96710175, 0.84616065, 1.23616403],
                  [1.62765075, 1.12141771, 1.2245077]],
                 [[1.96710175, 0.86888616, 1.27375593], [1.96710175, 0.86888616, 1.23616403],
                  [1.62765075, 1.12141771, 0.79280687]]]],
      "A average": [[[[-3.01046719e-02, -3.24021315e-03, -3.36298859e-01],
                      [1.43310483e-01, 1.93146751e-01, -4.44905196e-01],
                      [1.28934436e-01, 2.22428468e-01, 1.25067597e-01]],
                     [[-3.81801899e-01, 1.59993515e-02, 1.70562706e-01],
                      [4.73707165e-02, 2.59244658e-02, 9.20338402e-02],
                      [3.97048605e-02, 1.57189094e-01, 3.45302489e-01]],
                     [[-3.82680519e-01, 2.32579951e-01, 6.25997903e-01],
                      [-2.47157416e-01, -3.48524998e-04, 3.50539717e-01],
                      [-9.52551510e-02, 2.68511000e-01, 4.66056368e-01]]],
                    [[[-1.73134159e-01, 3.23771981e-01, -3.43175716e-01],
                      [3.80634669e-02, 7.26706274e-02, -2.30268958e-01],
                      [2.03009393e-02, 1.41414785e-01, -1.23158476e-02]],
                     [[4.44976963e-01, -2.61694592e-03, -3.10403073e-01],
                      [5.08114737e-01, -2.34937338e-01, -2.39611830e-01],
                      [1.18726772e-01, 1.72552294e-01, -2.21121966e-01]],
                     [[4.29449255e-01, 8.44699612e-02, -2.72909051e-01],
                      [6.76351685e-01, -1.20138225e-01, -2.44076712e-01],
                      [1.50774518e-01, 2.89111751e-01, 1.23238536e-03]]]]}, PRINTED_8),
    ("CONV pool_forward stride 2", lambda: run_pool_forward(2),
     {"A max": [[[[1.74481176, 0.90159072, 1.65980218], [1.74481176, 1.6924546, 1.65980218]],
                 [[1.13162939, 1.51981682, 2.18557541], [1.13162939, 1.6924546, 2.18557541]]],
                [[[1.19891788, 0.84616065, 0.82797464], [0.69803203, 1.12141771, 1.2245077]],
                 [[1.96710175, 0.86888616, 1.27375593], [1.62765075, 1.12141771, 0.79280687]]]],
      "A average": [[[[-0.03010467, -0.00324021, -0.33629886], [0.12893444, 0.22242847, 0.1250676]],
                     [[-0.38268052, 0.23257995, 0.6259979], [-0.09525515, 0.268511, 0.46605637]]],
                    [[[-0.17313416, 0.32377198, -0.34317572], [0.02030094, 0.14141479, -0.01231585]],
                     [[0.42944926, 0.08446996, -0.27290905], [0.15077452, 0.28911175, 0.00123239]]]]},
     PRINTED_8),
    ("CONV conv_backward", run_conv_backward,
     {"dA_mean": 1.45243777754, "dW_mean": 1.72699145831, "db_mean": 7.83923256462}, PRINTED_12),
    ("CONV create_mask_from_window", run_create_mask_from_window,
     {"x": [[1.62434536, -0.61175641, -0.52817175], [-1.07296862, 0.86540763, -2.3015387]],
      "mask": [[True, False, False], [False, False, False]]}, PRINTED_8),
    ("CONV distribute_value", run_distribute_value,
     {"a": [[0.5, 0.5], [0.5, 0.5]]}, 1e-15),
    ("CONV pool_backward", run_pool_backward,
     {"mean of dA": 0.145713902729,
      "dA_prev[1,1] max": [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]],
      "dA_prev[1,1] average": [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]]},
     PRINTED_8),
    # Means after normalization print as ~1e-17 (rounding noise): compared to 0 at 1e-8.
    ("BN batchnorm_forward train", run_batchnorm_train_forward,
     {"before means": [-2.3814598, -13.18038246, 1.91780462],
      "before stds": [27.18502186, 34.21455511, 37.68611762],
      "gamma=1 means": [0.0, 0.0, 0.0],
      "gamma=1 stds": [0.99999999, 1.0, 1.0],
      "gamma=[1,2,3] means": [11.0, 12.0, 13.0],
      "gamma=[1,2,3] stds": [0.99999999, 1.99999999, 2.99999999]}, PRINTED_8),
    ("BN batchnorm_forward test (running averages)", run_batchnorm_test_forward,
     {"test-time means": [-0.03927354, -0.04349152, -0.10452688],
      "test-time stds": [1.01531428, 1.01238373, 0.97819988]}, PRINTED_8),
    ("DROP dropout_forward test mode", run_dropout_input_mean,
     {"Mean of input": 10.000207878477502, "Mean of test-time output": 10.000207878477502,
      "Fraction of test-time output set to zero": 0.0}, 1e-13),
]


@pytest.mark.parametrize("run, expected, atol", [c[1:] for c in PUBLISHED], ids=[c[0] for c in PUBLISHED])
def test_published_case(run, expected, atol):
    check_published(run(), expected, atol)


# --------------------------------------------------------------------------- published inputs, our checks
# CS231n prints relative errors of the student's own numerical gradient, which are not
# values of the function; on those published inputs we run our gradient check instead.


def test_cs231n_batchnorm_gradient_check_inputs():
    """[BN] "Gradient check batchnorm backward pass": seed 231, N, D = 4, 5."""
    r = np.random.RandomState(231)
    N, D = 4, 5
    x = 5 * r.randn(N, D) + 12
    gamma, beta, dout = r.randn(D), r.randn(D), r.randn(N, D)
    bn_param = {"mode": "train"}
    _, cache = batchnorm_forward(x, gamma, beta, bn_param)
    for backward in (batchnorm_backward, batchnorm_backward_alt):
        dx, dgamma, dbeta = backward(dout, cache)
        check_vjp(lambda x, gamma, beta: batchnorm_forward(x, gamma, beta, bn_param)[0],
                  {"x": x, "gamma": gamma, "beta": beta}, {"x": dx, "gamma": dgamma, "beta": dbeta}, dout)


def test_cs231n_batchnorm_alt_matches():
    """[BN] "alternative backward": seed 231, N, D = 100, 500. The notebook prints
    dx difference 1.27e-12 and dgamma, dbeta differences 0.0 with its own rel_error
    (max over elements of |a - b| / max(1e-8, |a| + |b|))."""
    r = np.random.RandomState(231)
    N, D = 100, 500
    x = 5 * r.randn(N, D) + 12
    gamma, beta, dout = r.randn(D), r.randn(D), r.randn(N, D)
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})

    def rel_error(a, b):
        return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))

    dx1, dgamma1, dbeta1 = batchnorm_backward(dout, cache)
    dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)
    assert rel_error(dx1, dx2) < 1e-10
    assert rel_error(dgamma1, dgamma2) < 1e-14 and rel_error(dbeta1, dbeta2) < 1e-14


def test_cs231n_dropout_gradient_check_inputs():
    """[DROP] "Dropout backward pass": seed 231, x = randn(10, 10) + 10, p = 0.2, seed 123."""
    r = np.random.RandomState(231)
    x = r.randn(10, 10) + 10
    dout = r.randn(*x.shape)
    dropout_param = {"mode": "train", "p": 0.2, "seed": 123}
    out, cache = dropout_forward(x, dropout_param)
    dx = dropout_backward(dout, cache)
    errors = check_vjp(lambda x: dropout_forward(x, dropout_param)[0], {"x": x}, {"x": dx}, dout)
    assert errors["x"] < GRAD_TOL


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_cs231n_dropout_forward_statistics(p):
    """[DROP] "Dropout forward pass" on its input (seed 231): the published train-time
    numbers depend on the legacy global RNG, so we check what they illustrate: a
    fraction about 1 - p set to zero, and the mean kept near the input's 10.0002."""
    x = np.random.RandomState(231).randn(500, 500) + 10
    out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 231})
    assert abs((out == 0).mean() - (1 - p)) < 0.005
    assert abs(out.mean() - x.mean()) < 0.25
    assert relative_error(np.array([x.mean()]), np.array([10.000207878477502])) < 1e-14
