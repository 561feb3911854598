"""Plain-data encoding of nested values with arrays: JSON, never pickle.

Test-case arguments and results are nested tuples, lists, dicts, numbers, strings,
``None`` and numpy arrays (a cache such as ``((A_prev, W, b), Z)``, a grads dict).
:func:`encode` turns such a value into JSON-ready data, :func:`decode` turns it back.

Arrays are stored either inline, as nested lists (float64 round-trips exactly through
JSON's shortest repr), or, when an ``arrays`` dict is passed, by reference to an entry
of that dict, so that they can travel in an ``.npz`` file loaded with
``allow_pickle=False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, MutableMapping

import numpy as np

__all__ = ["encode", "decode", "CodecError", "Opaque"]

_ALLOWED_DTYPES = {"float64", "float32", "int64", "int32", "bool"}


class CodecError(ValueError):
    """A value that cannot be encoded, or data that does not decode."""


@dataclass(frozen=True)
class Opaque:
    """Stands for a value that is not plain data (a student returned an object, a
    complex array, an array too large to send back): only its description travels."""

    description: str


def encode(value: Any, arrays: MutableMapping[str, np.ndarray] | None = None) -> Any:
    """Encode ``value`` as JSON-ready data.

    Args:
        value: nested tuples / lists / dicts (string keys) of arrays, numbers, strings,
            booleans and None.
        arrays: if given, arrays are put in it under keys ``a0, a1, ...`` and
            referenced; otherwise they are inlined.
    """
    if isinstance(value, np.ndarray):
        dtype = str(value.dtype)
        if dtype not in _ALLOWED_DTYPES:
            raise CodecError(f"cannot encode an array of dtype {dtype}")
        if arrays is not None:
            key = f"a{len(arrays)}"
            arrays[key] = value
            return {"__array__": key}
        return {"__ndarray__": value.tolist(), "dtype": dtype, "shape": list(value.shape)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [encode(v, arrays) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or k.startswith("__"):
                raise CodecError(f"cannot encode the dict key {k!r}")
            out[k] = encode(v, arrays)
        return out
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Opaque):
        return {"__opaque__": value.description}
    raise CodecError(f"cannot encode a value of type {type(value).__name__}")


MAX_DEPTH = 64


def decode(data: Any, arrays: MutableMapping[str, np.ndarray] | None = None, depth: int = 0) -> Any:
    """Inverse of :func:`encode`. Inline arrays come back with their dtype and shape.

    Raises:
        CodecError: for data nested deeper than MAX_DEPTH, or malformed markers.
    """
    if depth > MAX_DEPTH:
        raise CodecError(f"data nested more than {MAX_DEPTH} levels deep")
    if isinstance(data, dict):
        if "__ndarray__" in data:
            dtype = data.get("dtype")
            if dtype not in _ALLOWED_DTYPES:
                raise CodecError(f"unsupported dtype {dtype!r}")
            try:
                arr = np.array(data["__ndarray__"], dtype=dtype)
                return arr.reshape(tuple(data["shape"]))
            except (TypeError, ValueError, OverflowError) as exc:
                raise CodecError(f"malformed array: {exc}") from None
        if "__array__" in data:
            if arrays is None or not isinstance(data["__array__"], str) or data["__array__"] not in arrays:
                raise CodecError(f"no array named {data['__array__']!r}")
            return arrays[data["__array__"]]
        if "__opaque__" in data:
            return Opaque(str(data["__opaque__"])[:200])
        if "__tuple__" in data:
            if not isinstance(data["__tuple__"], list):
                raise CodecError("malformed tuple")
            return tuple(decode(v, arrays, depth + 1) for v in data["__tuple__"])
        return {k: decode(v, arrays, depth + 1) for k, v in data.items()}
    if isinstance(data, list):
        return [decode(v, arrays, depth + 1) for v in data]
    return data
