"""Nested-list helpers for scalar models (seed 001): images are ``[channels][height][width]`` lists of Values.

No NumPy import: arrays from NumPy (or anything with ``.tolist()``) are accepted by duck typing.
"""

from __future__ import annotations

from typing import Any

from .value import Value


def _as_nested_list(arr: Any) -> Any:
    # duck-typed so that numpy arrays work without importing numpy
    return arr.tolist() if hasattr(arr, "tolist") and not isinstance(arr, (list, tuple)) else arr


def as_value_array(arr: Any) -> Any:
    """Wraps every number of a (nested) list, tuple or array in a new Value, keeping the nesting.

    Args:
        arr: nested lists/tuples of numbers, or an array-like with ``.tolist()`` (a NumPy array).

    Returns:
        The same nesting as lists of Values (a single Value for a scalar).

    Raises:
        TypeError: an element is neither a number nor a sequence, naming its type.

    >>> as_value_array([[1, 2]])
    [[Value(data=1.0, grad=0.0), Value(data=2.0, grad=0.0)]]
    """
    arr = _as_nested_list(arr)
    if isinstance(arr, (list, tuple)):
        return [as_value_array(x) for x in arr]
    if isinstance(arr, Value):
        return Value(arr.data)
    return Value(arr)


def value_array_to_list(arr: Any) -> Any:
    """Inverse of ``as_value_array``: nested lists of Values to nested lists of floats."""
    if isinstance(arr, (list, tuple)):
        return [value_array_to_list(x) for x in arr]
    return arr.data if isinstance(arr, Value) else arr


def flatten(arr: Any) -> list:
    """All leaves of a nested list (or array) in row-major order; the objects themselves, not copies."""
    out: list = []
    stack = [iter([_as_nested_list(arr)])]
    while stack:  # iterative, so any nesting depth works
        for item in stack[-1]:
            item = _as_nested_list(item)
            if isinstance(item, (list, tuple)):
                stack.append(iter(item))
                break
            out.append(item)
        else:
            stack.pop()
    return out


def reshape(arr: Any, height: int, width: int) -> list[list]:
    """A flat list of ``height * width`` items as ``height`` rows of ``width`` (the same objects).

    Raises:
        ValueError: the size does not match, naming both.
    """
    arr = _as_nested_list(arr)
    if len(arr) != height * width:
        raise ValueError(f"reshape: cannot view {len(arr)} items as {height}x{width} (= {height * width})")
    return [list(arr[i : i + width]) for i in range(0, len(arr), width)]


def transpose(matrix: Any) -> list[list]:
    """Rows become columns (the same objects).

    Raises:
        ValueError: the rows have different lengths.
    """
    matrix = _as_nested_list(matrix)
    if len({len(row) for row in matrix}) > 1:
        raise ValueError(f"transpose: rows have different lengths {sorted({len(row) for row in matrix})}")
    return [list(col) for col in zip(*matrix)]
