"""repr of tensors equals torch's for the same data (bools padded to the widest value shown, as torch)."""
import pytest
import torch

import minigrad

CASES = [
    [True], [False], [True, True], [True, False], [True, False, True], [[True], [True]],
    [[True, True], [False, True]], True, False,
    [1.5, 2.0], [1, 2, 3], [[1.0, 2.0], [3.0, 4.0]], 3.0, [0.1234567], [1e-5, 1.0],
]


@pytest.mark.parametrize("data", CASES, ids=[repr(c) for c in CASES])
def test_printing_matches_torch(data):
    assert str(minigrad.tensor(data)) == str(torch.tensor(data))
    assert repr(minigrad.tensor(data)) == repr(torch.tensor(data))


def test_printing_single_true_has_no_padding():
    assert repr(minigrad.tensor([True])) == "tensor([True])"


def test_printing_bool_width_counts_only_shown_elements():
    # a False hidden in the summarised middle does not widen the printed Trues
    data = [True] * 1000 + [False] + [True] * 1000
    assert "[True, True, True," in repr(minigrad.tensor(data))
    assert "[False,  True," in repr(minigrad.tensor([False] + data))
