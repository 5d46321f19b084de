"""DataLoader: batches from a data set in a (seeded) order. Matches torch.utils.data.DataLoader, run in the main
process, plus seed 000's `DataLoader(X, y, batch_size=..., tensors=True).get()` form."""
import collections.abc
import math

import numpy as np

from .. import dtypes
from ..tensor import Tensor, tensor
from .dataset import IterableDataset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Stack a list of samples into a batch, recursing into tuples, lists and dicts, as torch's default_collate:
    Tensors and NumPy arrays stack into a Tensor with a new first dim; a batch whose first sample is a Python
    float becomes float64; one whose first sample is a Python int (or bool) gets torch.tensor's inferred dtype
    (all bool -> bool, any float -> the default dtype, else int64); strings stay a list; tuple and list samples
    give a list of fields. Batches never require grad."""
    first = batch[0]
    if isinstance(first, Tensor):
        xp = first._device.xp
        return Tensor._wrap(xp.stack([b.data for b in batch]), first._device)
    if isinstance(first, np.ndarray):
        if first.dtype.kind in _STR_OBJ_KINDS:
            raise TypeError(_COLLATE_ERROR.format(first.dtype))
        return Tensor._wrap(np.stack([np.asarray(b) for b in batch]), _cpu())
    if isinstance(first, (np.bool_, np.number)):
        return Tensor._wrap(np.stack([np.asarray(b) for b in batch]), _cpu())
    if isinstance(first, float):
        return tensor(batch, dtype=np.float64, device="cpu")
    if isinstance(first, int):
        # torch.tensor(batch): the dtype comes from every element, so [0, 0.5] is float, not truncated to int
        return tensor(batch, device="cpu")
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(b) != len(first) for b in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        return [default_collate(s) for s in zip(*batch)]
    raise TypeError(_COLLATE_ERROR.format(type(first)))


# torch's: arrays of strings or objects do not collate into a tensor
_STR_OBJ_KINDS = "SUO"  # bytes, str and object arrays
_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def get_worker_info():
    """None: the data is always read in the main process (torch returns None there too)."""


def _cpu():
    from ..backend import get_device  # noqa: PLC0415

    return get_device("cpu")


class DataLoader:
    """Iterate over `dataset` in batches. Matches torch.utils.data.DataLoader's arguments (dataset, batch_size,
    shuffle, sampler, batch_sampler, collate_fn, drop_last, generator); NOTE: workers are not used, num_workers
    and pin_memory are accepted and the data is read in the main process.

    A shuffled loader draws each epoch's order from `generator`, or from minigrad's default generator, so after
    `minigrad.manual_seed(s)` a run repeats bit for bit.

    Seed 000's form, `DataLoader(X, y, batch_size=64, tensors=True)`, wraps arrays in a TensorDataset (floating
    data in the default dtype), shuffles by default and keeps `.get()`, which returns the iterator of one epoch.

    >>> from minigrad import tensor
    >>> from minigrad.data import TensorDataset
    >>> [tuple(x.shape) for (x,) in DataLoader(TensorDataset(tensor([[1.0], [2.0], [3.0]])), batch_size=2)]
    [(2, 1), (1, 1)]
    """

    def __init__(self, dataset, *args, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None, generator=None,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="", in_order=True,
                 multiprocessing_context=None, tensors=None):
        seed_form = bool(args) and not isinstance(args[0], (int, np.integer))
        if seed_form:
            if len(args) != 1:
                raise TypeError("DataLoader(X, y, ...): seed 000's form takes exactly two arrays")
            dataset = TensorDataset(*(_seed_array(a) for a in (dataset, args[0])))
            shuffle = True if shuffle is None else shuffle
        elif args:
            batch_size = args[0]
            if len(args) > 1:
                shuffle = args[1]
            if len(args) > 2:
                raise TypeError("DataLoader: pass arguments after batch_size and shuffle by keyword")
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if num_workers == 0 and (persistent_workers or prefetch_factor is not None):
            raise ValueError("DataLoader: persistent_workers and prefetch_factor need num_workers > 0 (got "
                             f"persistent_workers={persistent_workers}, prefetch_factor={prefetch_factor})")
        self.tensors = True if tensors is None else tensors
        self.dataset = dataset
        self.batch_size, self.drop_last, self.generator = batch_size, drop_last, generator
        self.num_workers = num_workers
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self._auto_collation = batch_sampler is not None or batch_size is not None
        if isinstance(dataset, IterableDataset):
            if shuffle or sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle, sampler and "
                                 "batch_sampler options")
            self.sampler = self.batch_sampler = None
            return
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            self.batch_size, self.drop_last = None, False
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self._own_batches = batch_sampler is None and batch_size is not None
        if self._own_batches:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            # torch trusts the data set's own __len__ (a TypeError if it has none), counted in batches
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) if self.collate_fn is not default_collate else
                    _convert(self.dataset[i]) for i in self.sampler)
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate
        if fast and self._own_batches and type(self.sampler) in (SequentialSampler, RandomSampler):
            return self._iter_tensor_dataset()
        return self._iter_batches(fast)

    def _iter_tensor_dataset(self):
        # fast path: one fancy-index per tensor per batch instead of len(batch) rows and a stack (same result)
        n = len(self.dataset)
        if isinstance(self.sampler, RandomSampler):
            order = np.fromiter(iter(self.sampler), dtype=np.int64, count=len(self.sampler))
        else:
            order = np.arange(n)
        bs = self.batch_size
        stop = (len(order) // bs) * bs if self.drop_last else len(order)
        for start in range(0, stop, bs):
            idx = order[start:start + bs]
            # a list, as default_collate gives for the tuple samples of a TensorDataset (torch's too)
            batch = [Tensor._wrap(t.data[t._device.xp.asarray(idx)], t._device) for t in self.dataset.tensors]
            yield batch if self.tensors else [b.numpy() for b in batch]

    def _iter_batches(self, fast):
        getitems = getattr(self.dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            samples = getitems(indices) if getitems is not None else [self.dataset[i] for i in indices]
            batch = self.collate_fn(samples)
            yield batch if self.tensors else _to_numpy(batch)

    def _iter_stream(self):
        if self.batch_size is None:
            yield from (_convert(s) for s in self.dataset)
            return
        batch = []
        for s in self.dataset:
            batch.append(s)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def get(self):
        """Seed 000's spelling: the batches of one epoch (a new shuffle each call)."""
        return iter(self)


def _seed_array(a):
    arr = a.numpy() if isinstance(a, Tensor) else np.asarray(a)
    if arr.dtype.kind == "f":
        arr = arr.astype(dtypes.get_default_dtype())
    elif arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    return Tensor._wrap(arr, _cpu())


def _convert(sample):
    """torch's default_convert, for samples that are not batched (batch_size=None): NumPy arrays and scalars
    become Tensors (except arrays of strings or objects), recursing into dicts, tuples (which become lists, as
    torch's) and lists."""
    if isinstance(sample, np.ndarray):
        return sample if sample.dtype.kind in _STR_OBJ_KINDS else Tensor._wrap(sample, _cpu())
    if isinstance(sample, (np.bool_, np.number)):
        return Tensor._wrap(np.asarray(sample), _cpu())
    if isinstance(sample, collections.abc.Mapping):
        return {k: _convert(v) for k, v in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(_convert(s) for s in sample))
    if isinstance(sample, (tuple, list)):
        return [_convert(s) for s in sample]
    return sample


def _to_numpy(batch):
    if isinstance(batch, Tensor):
        return batch.numpy()
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_numpy(b) for b in batch)
    if isinstance(batch, dict):
        return {k: _to_numpy(v) for k, v in batch.items()}
    return batch


