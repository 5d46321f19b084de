"""Against torch.utils.data: default_collate's dtypes for Python numbers, batch container types, unbatched
conversion, len() of a loader over an IterableDataset, and random_split's validation."""
import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import minigrad
from minigrad import data as mdata


class Items:
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def _both(items, **kw):
    return (next(iter(mdata.DataLoader(Items(items), **kw))), next(iter(tud.DataLoader(Items(items), **kw))))


def _dtype(t):
    return str(t.dtype).replace("torch.", "")


@pytest.mark.parametrize("items", [
    [0, 0.5, 1.7],  # int first: torch.tensor's inference, float32 (was truncated to int64)
    [0.5, 1, 2],  # float first: float64
    [True, 2],  # bool first: int64 (was bool)
    [True, False],
    [True, 0.5],
    [1, 2, 3],
    [np.float32(0.5), np.float32(1.5)],
    [np.int16(3), np.int16(-1)],
])
def test_collate_python_numbers_matches_torch(items):
    mine, theirs = _both(items, batch_size=len(items))
    assert _dtype(mine) == _dtype(theirs) and mine.tolist() == theirs.tolist()


def test_collate_follows_default_dtype():
    old = minigrad.get_default_dtype(), torch.get_default_dtype()
    minigrad.set_default_dtype(minigrad.float64)
    torch.set_default_dtype(torch.float64)
    try:
        mine, theirs = _both([1, 0.25], batch_size=2)
        assert _dtype(mine) == _dtype(theirs) == "float64"
    finally:
        minigrad.set_default_dtype(old[0])
        torch.set_default_dtype(old[1])


def test_collate_containers_match_torch():
    Pair = collections.namedtuple("Pair", "x y")
    for items, kind in [([(np.ones(2), 1), (np.zeros(2), 2)], list),  # tuple samples -> a list of fields
                        ([[1, 2.0], [3, 4.0]], list),
                        ([Pair(1, 2.0), Pair(3, 4.0)], Pair),
                        ([("a", 1), ("b", 2)], list)]:
        mine, theirs = _both(items, batch_size=2)
        assert type(mine) is type(theirs) is kind
    tensors = (np.arange(8.0).reshape(4, 2), np.arange(4))
    mine = next(iter(mdata.DataLoader(mdata.TensorDataset(*map(minigrad.tensor, tensors)), batch_size=2)))
    theirs = next(iter(tud.DataLoader(tud.TensorDataset(*map(torch.tensor, tensors)), batch_size=2)))
    assert type(mine) is type(theirs) is list and [m.tolist() for m in mine] == [t.tolist() for t in theirs]
    x, y = next(iter(mdata.DataLoader(*tensors, batch_size=3, tensors=True).get()))  # seed 000's form still unpacks
    assert x.shape == (3, 2) and y.shape == (3,)
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                                        "or lists; found <U1"):
        next(iter(mdata.DataLoader(Items([np.array(["a"])] * 2), batch_size=2)))
    with pytest.raises(TypeError, match="found <U1"):
        next(iter(tud.DataLoader(Items([np.array(["a"])] * 2), batch_size=2)))


def test_unbatched_samples_convert_as_torch():
    items = [{"a": np.ones(2), "b": (np.float64(0.5), 3), "s": "x"}]
    mine, theirs = _both(items, batch_size=None)
    for m, t in ((mine["a"], theirs["a"]), (mine["b"][0], theirs["b"][0])):
        assert isinstance(m, minigrad.Tensor) and isinstance(t, torch.Tensor) and _dtype(m) == _dtype(t)
    assert type(mine["b"]) is type(theirs["b"]) is list and mine["b"][1] == theirs["b"][1] == 3
    assert mine["s"] == theirs["s"] == "x"


@pytest.mark.parametrize("n,batch_size,drop_last", [(7, 3, False), (7, 3, True), (6, 3, False), (7, None, False)])
def test_len_of_loader_over_sized_iterable_dataset_matches_torch(n, batch_size, drop_last):
    lens = []
    for D in (mdata, tud):
        class Stream(D.IterableDataset):
            def __iter__(self):
                return iter(range(n))

            def __len__(self):
                return n

        loader = D.DataLoader(Stream(), batch_size=batch_size, drop_last=drop_last)
        lens.append((len(loader), len(list(loader))))
    assert lens[0] == lens[1]


@pytest.mark.parametrize("lengths", [[1.5, -0.5], [-0.25, 1.25], [0.5, 0.7, -0.2]])
def test_random_split_rejects_fractions_out_of_range_as_torch(lengths):
    for D in (mdata, tud):
        with pytest.raises(ValueError, match=r"Fraction at index \d is not between 0 and 1"):
            D.random_split(range(7), lengths)


def test_random_split_warns_on_empty_split_as_torch():
    for D in (mdata, tud):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parts = D.random_split(range(2), [0.9, 0.1, 0.0])
        assert [len(p) for p in parts] == [2, 0, 0]
        assert [str(w.message) for w in caught] == [f"Length of split at index {i} is 0. This might result in an "
                                                    "empty dataset." for i in (1, 2)]
