"""Data sets generated here or read from local files: no downloads.

Generators return NumPy arrays `(X, y)`: X float64 of shape (n, features), y int64 class labels, drawn from
`generator` (default: minigrad's seeded generator, so `minigrad.manual_seed` fixes them).
"""
import gzip
import os
import struct

import numpy as np

from ..random import get_rng
from ..tensor import Tensor
from .dataset import Dataset


def spiral(n_points=200, n_classes=3, noise=0.3, generator=None):
    """Seed 003's interleaved spirals: returns X (n_points * n_classes, 2) and y (n_points * n_classes,).

    Seed 003 builds its data as `X = r * stack([sin(t), cos(t)])` of shape (2, N); `X.T` here is that array.
    """
    rng = get_rng(generator)
    y = np.arange(n_classes).repeat(n_points)
    t = (np.linspace(0, 4 * 2 * np.pi, n_points).repeat(n_classes) + y / np.pi
         + rng.standard_normal(n_points * n_classes) * noise)
    r = np.tile(np.linspace(0.0, 1, n_points), n_classes)
    X = r * np.stack([np.sin(t), np.cos(t)])
    return X.T.copy(), y.astype(np.int64)


def moons(n_samples=100, noise=None, generator=None):
    """Two interleaving half circles (scikit-learn's make_moons): the first n_samples // 2 points are class 0."""
    rng = get_rng(generator)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    a, b = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1), np.stack([1 - np.cos(b), 1 - np.sin(b) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X, y


def circles(n_samples=100, noise=None, factor=0.8, generator=None):
    """A large circle (class 0) around a smaller one (class 1, radius `factor`), as scikit-learn's make_circles."""
    if not 0 <= factor < 1:
        raise ValueError(f"circles: factor has to be between 0 and 1, got {factor}")
    rng = get_rng(generator)
    n_out = n_samples // 2
    n_in = n_samples - n_out
    a = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    b = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1), factor * np.stack([np.cos(b), np.sin(b)], 1)])
    y = np.concatenate([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    if noise:
        X = X + rng.normal(0.0, noise, X.shape)
    return X, y


def xor(n_samples=4, noise=0.0, generator=None):
    """XOR: with n_samples=4 the truth table ((0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0); more samples are drawn
    around the four corners with Gaussian `noise`."""
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    if n_samples == 4 and not noise:
        return corners.copy(), labels.copy()
    rng = get_rng(generator)
    pick = rng.integers(0, 4, n_samples)
    return corners[pick] + rng.normal(0.0, noise, (n_samples, 2)), labels[pick]


def digits(n_class=10):
    """scikit-learn's 8x8 handwritten digits (1797 images, bundled with scikit-learn, no download): returns
    images (n, 8, 8) float64 in [0, 16] and labels (n,) int64."""
    try:
        from sklearn import datasets as skd  # noqa: PLC0415 - optional dependency
    except ImportError:
        raise ImportError("digits() reads scikit-learn's bundled digits: pip install scikit-learn") from None
    d = skd.load_digits(n_class=n_class)
    return d.images.astype(np.float64), d.target.astype(np.int64)


# ---------------------------------------------------------------------------------------------------- IDX files
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"),
              0x0E: np.dtype(">f8")}


def read_idx(path):
    """Read an IDX file (MNIST's format; `.gz` too) into a NumPy array."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (bad magic number {raw[:4].hex()})")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"read_idx: {path} is truncated inside its header")
    shape = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    count = int(np.prod(shape)) if ndim else 1
    start = 4 + 4 * ndim
    if len(raw) - start != count * dtype.itemsize:
        raise ValueError(f"read_idx: {path} holds {len(raw) - start} data bytes, shape {shape} of {dtype} needs "
                         f"{count * dtype.itemsize} (truncated or damaged)")
    return np.frombuffer(raw, dtype=dtype, offset=start).reshape(shape).astype(dtype.newbyteorder("="))


class MNIST(Dataset):
    """MNIST from the four standard IDX files in a local folder (no download). `dataset[i]` is (image, label):
    image a float32 Tensor (1, 28, 28) in [0, 1] (torchvision's ToTensor), label an int; `.data` (uint8,
    (n, 28, 28)) and `.targets` (int64) hold the whole split.

    The files are looked up in `root`, `root/<Name>/raw` (torchvision's layout) and `root/<Name>`, plain or .gz.
    """

    resources = {True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                 False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
    classes = [f"{i} - {w}" for i, w in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven",
                                                   "eight", "nine"])]

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        if download:
            raise RuntimeError(f"{type(self).__name__}: minigrad does not download data; put the IDX files in "
                               f"{root} (see the error without download=True for the file names)")
        self.root, self.train = os.fspath(root), train
        self.transform, self.target_transform = transform, target_transform
        images, labels = (self._find(name) for name in self.resources[train])
        self.data = read_idx(images)
        self.targets = read_idx(labels).astype(np.int64)
        if self.data.shape[0] != self.targets.shape[0]:
            raise ValueError(f"{type(self).__name__}: {images} has {self.data.shape[0]} images but {labels} has "
                             f"{self.targets.shape[0]} labels")

    def _find(self, name):
        name_dir = type(self).__name__
        folders = [self.root, os.path.join(self.root, name_dir, "raw"), os.path.join(self.root, name_dir)]
        for folder in folders:
            for fname in (name, name + ".gz"):
                p = os.path.join(folder, fname)
                if os.path.isfile(p):
                    return p
        split = "train" if self.train else "test"
        need = ", ".join(self.resources[self.train])
        raise FileNotFoundError(
            f"{name_dir} ({split} split): file '{name}' (or '{name}.gz') not found in any of {folders}. "
            f"Put the {split} IDX files ({need}, optionally gzipped) in '{self.root}'; they are the standard files "
            f"from the {name_dir} distribution (minigrad does not download them).")

    def __len__(self):
        return self.data.shape[0]

    def __getitem__(self, index):
        img = Tensor._wrap((self.data[index].astype(np.float32) / np.float32(255.0))[None], _cpu())
        target = int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def arrays(self):
        """(images float32 (n, 1, 28, 28) in [0, 1], labels int64 (n,)): the whole split for a TensorDataset."""
        return (self.data.astype(np.float32) / np.float32(255.0))[:, None], self.targets


class FashionMNIST(MNIST):
    """Fashion-MNIST: the same IDX layout and file names as MNIST, in a FashionMNIST folder."""

    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]


def _cpu():
    from ..backend import get_device  # noqa: PLC0415

    return get_device("cpu")
