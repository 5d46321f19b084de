"""Datasets, samplers and DataLoader: torch's batching semantics, seeded bit-for-bit repeats, seed 000's form."""
import numpy as np
import pytest
import torch
import torch.utils.data as tud

import minigrad
from minigrad.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)

X = np.arange(30, dtype=np.float32).reshape(10, 3)
Y = np.arange(10)


def _batches(loader):
    return [[b.numpy().tolist() if hasattr(b, "numpy") else b for b in batch] for batch in loader]


@pytest.mark.parametrize("batch_size,drop_last", [(3, False), (3, True), (5, False), (1, True), (20, False)])
def test_sequential_batches_equal_torch(batch_size, drop_last):
    mine = DataLoader(TensorDataset(minigrad.tensor(X), minigrad.tensor(Y)), batch_size=batch_size,
                      drop_last=drop_last)
    theirs = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.tensor(Y)), batch_size=batch_size,
                            drop_last=drop_last)
    assert len(mine) == len(theirs)
    assert _batches(mine) == _batches(theirs)
    b = next(iter(mine))
    assert b[0].dtype == np.float32 and b[1].dtype == np.int64 and not b[0].requires_grad


class Squares(Dataset):
    def __len__(self):
        return 7

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float64), "y": i * i, "name": f"s{i}", "w": float(i)}


def test_map_dataset_collate_matches_torch():
    mine = list(DataLoader(Squares(), batch_size=3))
    theirs = list(tud.DataLoader(Squares(), batch_size=3))
    for m, t in zip(mine, theirs):
        assert m["name"] == t["name"]
        for k in ("x", "y", "w"):
            assert m[k].numpy().tolist() == t[k].numpy().tolist() and str(m[k].dtype) == str(t[k].dtype).split(".")[1]
    custom = list(DataLoader(Squares(), batch_size=2, collate_fn=lambda b: len(b)))
    assert custom == [2, 2, 2, 1]
    unbatched = list(DataLoader(Squares(), batch_size=None))
    assert len(unbatched) == 7 and unbatched[3]["y"] == 9


def test_shuffle_is_a_permutation_and_seeded_runs_repeat_bit_for_bit():
    feats = np.random.default_rng(0).standard_normal((50, 4))
    ds = TensorDataset(minigrad.tensor(feats), minigrad.tensor(np.arange(50)))

    def run(seed):
        minigrad.manual_seed(seed)
        model = minigrad.nn.Linear(4, 1)
        opt = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        order = []
        for _ in range(3):
            for x, y in DataLoader(ds, batch_size=8, shuffle=True):
                order += y.tolist()
                loss = ((model(x) - y.reshape(-1, 1).float() / 50) ** 2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        return order, model.weight.numpy().copy()

    o1, w1 = run(7)
    o2, w2 = run(7)
    o3, _ = run(8)
    assert o1 == o2 and np.array_equal(w1, w2) and w1.tobytes() == w2.tobytes()
    assert o1 != o3
    assert sorted(o1[:50]) == list(range(50)) and o1[:50] != o1[50:100]  # a new order each epoch
    g = minigrad.Generator(5)
    a = [y.tolist() for _, y in DataLoader(ds, batch_size=10, shuffle=True, generator=minigrad.Generator(5))]
    b = [y.tolist() for _, y in DataLoader(ds, batch_size=10, shuffle=True, generator=g)]
    assert a == b


def test_samplers_and_splits():
    ds = TensorDataset(minigrad.tensor(X), minigrad.tensor(Y))
    assert list(SequentialSampler(ds)) == list(range(10))
    assert sorted(RandomSampler(ds, generator=minigrad.Generator(0))) == list(range(10))
    assert len(list(RandomSampler(ds, replacement=True, num_samples=25))) == 25
    assert list(BatchSampler(range(7), 3, False)) == list(tud.BatchSampler(range(7), 3, False))
    assert list(BatchSampler(range(7), 3, True)) == list(tud.BatchSampler(range(7), 3, True))
    w = list(WeightedRandomSampler([0, 0, 1, 0], 5))
    assert w == [2] * 5
    loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 4, False))
    assert [len(b[1]) for b in loader] == [4, 4, 2]
    a, b = random_split(ds, [7, 3], generator=minigrad.Generator(1))
    assert len(a) == 7 and len(b) == 3 and sorted(a.indices + b.indices) == list(range(10))
    parts = random_split(ds, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [len(p) for p in tud.random_split(range(10), [0.5, 0.3, 0.2])]
    assert isinstance(a, Subset) and a[0][1].item() == a.indices[0]
    both = ds + ds
    assert isinstance(both, ConcatDataset) and len(both) == 20 and both[13][1].item() == 3 and both[-1][1].item() == 9
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal the length of the input dataset"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="size mismatch between tensors"):
        TensorDataset(minigrad.zeros(3, 2), minigrad.zeros(4))
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)


class Stream(IterableDataset):
    def __iter__(self):
        return iter(np.arange(7.0))


def test_iterable_dataset_batches_in_order():
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0]]
    with pytest.raises(TypeError, match="no len"):
        len(DataLoader(Stream(), batch_size=3))


def test_seed000_form():
    Xs = np.random.default_rng(0).random((130, 8, 8))  # float64, as seed 000's digits / 16.
    ys = np.arange(130) % 10
    loader = DataLoader(Xs, ys, batch_size=64, tensors=True)
    batches = list(loader.get())
    assert [len(b[1]) for b in batches] == [64, 64, 2] and len(loader) == 3
    x, gt = batches[0]
    assert isinstance(x, minigrad.Tensor) and x.shape == (64, 8, 8) and x.dtype == np.float32 and gt.dtype == np.int64
    assert sorted(np.concatenate([b[1].numpy() for b in batches]).tolist()) == sorted(ys.tolist())
    first = [b[1].tolist() for b in loader.get()]
    assert first != [b[1].tolist() for b in loader.get()]  # reshuffled per epoch
    plain = list(DataLoader(Xs, ys, batch_size=50, tensors=False, shuffle=False).get())
    assert isinstance(plain[0][0], np.ndarray) and plain[0][1].tolist() == ys[:50].tolist()
    assert default_collate([(1, 2.0), (3, 4.0)])[1].dtype == np.float64
