"""Encoding nested values with arrays as plain JSON data (never pickle)."""

import json

import numpy as np
import pytest

from grader.codec import CodecError, decode, encode

VALUES = [
    np.arange(6.0).reshape(2, 3) / 7,
    np.array([[True, False]]),
    np.zeros((0, 3)),
    np.arange(4, dtype=np.int64),
    ((np.ones((2, 1)), np.eye(2), np.zeros((2, 1))), np.full((2, 2), 0.1)),
    {"mode": "train", "p": 0.8, "seed": 3, "mask": None},
    [1, 2.5, "x", None, True],
    (3.0, (2, 2)),
]


def same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b and type(a) is type(b)


@pytest.mark.parametrize("value", VALUES)
def test_round_trip_through_json_is_exact(value):
    assert same(decode(json.loads(json.dumps(encode(value)))), value)


@pytest.mark.parametrize("value", VALUES)
def test_round_trip_with_external_arrays(value):
    arrays = {}
    data = json.loads(json.dumps(encode(value, arrays)))
    assert same(decode(data, arrays), value)


def test_float64_is_exact_to_the_last_bit():
    x = np.random.default_rng(0).standard_normal(1000)
    assert np.array_equal(decode(json.loads(json.dumps(encode(x)))), x)


@pytest.mark.parametrize("bad", [object(), {1: 2}, {"__tuple__": 1}, np.array(["a"]), np.array([None])])
def test_unencodable_values_raise(bad):
    with pytest.raises(CodecError):
        encode(bad)


def test_decode_rejects_unknown_dtypes_and_missing_arrays():
    with pytest.raises(CodecError):
        decode({"__ndarray__": [1], "dtype": "object", "shape": [1]})
    with pytest.raises(CodecError):
        decode({"__array__": "a0"}, {})


def test_opaque_values_travel_as_their_description():
    from grader.codec import Opaque
    from grader.compare import compare_arrays, render_text

    value = (np.ones(2), Opaque("a generator object"))
    back = decode(json.loads(json.dumps(encode(value))))
    assert back[1] == Opaque("a generator object")
    c = compare_arrays("dW", back[1], np.ones((2, 3)))
    assert render_text(c) == "dW is a generator object, expected a numpy array of shape (2, 3)"
