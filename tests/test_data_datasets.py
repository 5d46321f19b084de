"""Generated data sets (spiral, moons, circles, XOR, digits) and the IDX reader behind MNIST/FashionMNIST."""
import gzip
import struct

import numpy as np
import pytest
from sklearn import datasets as skd

import minigrad
from minigrad.data import DataLoader, TensorDataset, datasets


def test_spiral_is_seed003s_generator():
    X, y = datasets.spiral(noise=0.0)
    y_true = np.arange(3).repeat(200)
    t = np.linspace(0, 4 * 2 * np.pi, 200).repeat(3) + y_true / np.pi
    r = np.tile(np.linspace(0.0, 1, 200), 3)
    np.testing.assert_array_equal(X, (r * np.stack([np.sin(t), np.cos(t)])).T)
    np.testing.assert_array_equal(y, y_true)
    minigrad.manual_seed(4)
    a = datasets.spiral()[0]
    minigrad.manual_seed(4)
    np.testing.assert_array_equal(a, datasets.spiral()[0])
    assert a.shape == (600, 2) and not np.array_equal(a, X)


def test_moons_circles_xor_digits():
    for ours, theirs in [(datasets.moons(101), skd.make_moons(101, shuffle=False)),
                         (datasets.circles(100, factor=0.5), skd.make_circles(100, shuffle=False, factor=0.5))]:
        np.testing.assert_allclose(ours[0], theirs[0], atol=1e-12)
        np.testing.assert_array_equal(ours[1], theirs[1])
    Xn, yn = datasets.moons(200, noise=0.1)
    assert Xn.shape == (200, 2) and np.bincount(yn).tolist() == [100, 100]
    Xx, yx = datasets.xor()
    assert Xx.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and yx.tolist() == [0, 1, 1, 0]
    Xg, yg = datasets.xor(100, noise=0.05)
    assert Xg.shape == (100, 2) and set(yg.tolist()) == {0, 1}
    images, labels = datasets.digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,) and images.max() == 16
    with pytest.raises(ValueError, match="factor has to be between 0 and 1"):
        datasets.circles(factor=1.5)


def _write_idx(path, arr, gz=False):
    codes = {np.dtype(np.uint8): 0x08, np.dtype(">i4"): 0x0C, np.dtype(">f4"): 0x0D}
    arr = np.asarray(arr)
    head = bytes([0, 0, codes[arr.dtype], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    data = head + arr.tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)


def test_mnist_reads_local_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (5, 28, 28)).astype(np.uint8)
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte", imgs)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels, gz=True)
    ds = datasets.MNIST(tmp_path)
    assert len(ds) == 5 and ds.data.dtype == np.uint8 and ds.targets.tolist() == [3, 1, 4, 1, 5]
    img, target = ds[2]
    assert img.shape == (1, 28, 28) and img.dtype == np.float32 and target == 4
    np.testing.assert_allclose(img.numpy()[0], imgs[2] / 255.0, rtol=1e-6)
    Xa, ya = ds.arrays()
    batch = next(iter(DataLoader(TensorDataset(minigrad.tensor(Xa), minigrad.tensor(ya)), batch_size=4)))
    assert batch[0].shape == (4, 1, 28, 28)
    # torchvision's layout root/FashionMNIST/raw, test split
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    _write_idx(raw / "t10k-images-idx3-ubyte", imgs[:2])
    _write_idx(raw / "t10k-labels-idx1-ubyte", labels[:2])
    fm = datasets.FashionMNIST(tmp_path, train=False)
    assert len(fm) == 2 and fm.classes[9] == "Ankle boot"
    arr = np.arange(6, dtype=">f4").reshape(2, 3)
    _write_idx(tmp_path / "floats.idx", arr)
    np.testing.assert_array_equal(datasets.read_idx(tmp_path / "floats.idx"), arr)


def test_mnist_missing_or_broken_files_say_what_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        datasets.MNIST(tmp_path / "nowhere")
    msg = str(e.value)
    assert "MNIST (train split): file 'train-images-idx3-ubyte'" in msg
    assert "train-labels-idx1-ubyte" in msg and str(tmp_path / "nowhere") in msg and "does not download" in msg
    with pytest.raises(RuntimeError, match="does not download"):
        datasets.MNIST(tmp_path, download=True)
    _write_idx(tmp_path / "x.idx", np.zeros((4, 4), dtype=np.uint8))
    raw = (tmp_path / "x.idx").read_bytes()
    (tmp_path / "cut.idx").write_bytes(raw[:-3])
    with pytest.raises(ValueError, match=r"cut.idx holds 13 data bytes, shape \(4, 4\) of uint8 needs 16"):
        datasets.read_idx(tmp_path / "cut.idx")
    (tmp_path / "junk.idx").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="is not an IDX file"):
        datasets.read_idx(tmp_path / "junk.idx")
