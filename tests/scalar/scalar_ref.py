"""Shared helpers for the scalar tests: torch float64 references and an IEEE-aware closeness check."""

import math

import torch

RTOL = 1e-12


def t64(x: float) -> torch.Tensor:
    """A 0-d float64 leaf tensor that requires grad."""
    return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)


def same(actual: float, expected: float, rtol: float = RTOL, atol: float = 0.0) -> bool:
    """True when equal to rtol (relative to the larger magnitude) or atol; nan matches nan, inf matches same-sign inf."""
    expected = float(expected)
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if math.isinf(expected) or math.isinf(actual):
        return actual == expected
    return abs(actual - expected) <= rtol * max(abs(actual), abs(expected)) + atol


def assert_same(actual: float, expected: float, what: str, rtol: float = RTOL, atol: float = 0.0) -> None:
    assert same(actual, expected, rtol, atol), f"{what}: minigrad {actual!r} vs torch {float(expected)!r}"


def torch_grad(t: torch.Tensor) -> float:
    return 0.0 if t.grad is None else t.grad.item()
