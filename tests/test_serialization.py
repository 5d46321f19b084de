"""minigrad.save/load: exact round trips, no pickle, atomic replacement, clear errors on damaged files, and the
safetensors layout."""
import os
import subprocess
import sys
import textwrap
from collections import OrderedDict

import numpy as np
import pytest
import safetensors.numpy
import torch

import minigrad
from minigrad import nn, optim, serialization


def _same(a, b):
    if isinstance(a, minigrad.Tensor):
        assert isinstance(b, minigrad.Tensor) and a.dtype == b.dtype and a.shape == b.shape
        assert a.numpy().tobytes() == b.numpy().tobytes() and a.requires_grad == b.requires_grad
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    elif isinstance(a, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b and type(a) is type(b)


def test_round_trip_is_exact(tmp_path):
    rng = np.random.default_rng(0)
    obj = OrderedDict(
        f32=minigrad.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True),
        f64=minigrad.tensor(rng.standard_normal(5)),
        f16=minigrad.tensor(rng.standard_normal(2).astype(np.float16)),
        i64=minigrad.tensor(np.arange(-3, 3)), u8=minigrad.tensor(np.arange(4, dtype=np.uint8)),
        b=minigrad.tensor(np.array([True, False])), scalar=minigrad.tensor(3.5), empty=minigrad.zeros(0, 3),
        strided=minigrad.tensor(rng.standard_normal((4, 6))[::2, ::3]),
        nested={"list": [1, 2.5, "x", None, True], "tuple": (0.9, 0.999), 3: {"deep": np.arange(3.0)},
                (1, "a"): -1, "inf": float("inf"), "nan": float("nan"), "np": np.float32(1.25)},
    )
    minigrad.save(obj, tmp_path / "a.mgz")
    back = minigrad.load(tmp_path / "a.mgz")
    _same(obj, back)
    with open(tmp_path / "b.mgz", "wb") as f:
        minigrad.save(obj["f64"], f)
    with open(tmp_path / "b.mgz", "rb") as f:
        _same(obj["f64"], minigrad.load(f))


def test_model_and_optimizer_state_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    for _ in range(2):
        opt.zero_grad()
        model(minigrad.randn(5, 3)).pow(2).sum().backward()
        opt.step()
    minigrad.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 2}, tmp_path / "ckpt")
    ck = minigrad.load(tmp_path / "ckpt")
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    fresh.load_state_dict(ck["model"])
    x = minigrad.randn(2, 3)
    assert fresh(x).numpy().tobytes() == model(x).numpy().tobytes()
    _same(opt.state_dict()["state"], ck["opt"]["state"])
    assert ck["opt"]["param_groups"][0]["betas"] == (0.9, 0.999) and ck["epoch"] == 2
    # a shared tensor comes back as one object
    t = minigrad.ones(2)
    minigrad.save([t, t], tmp_path / "shared")
    a, b = minigrad.load(tmp_path / "shared")
    assert a is b


def test_flat_state_dict_is_a_safetensors_file(tmp_path):
    model = nn.Linear(3, 2)
    minigrad.save(model.state_dict(), tmp_path / "w.safetensors")
    flat = safetensors.numpy.load_file(str(tmp_path / "w.safetensors"))
    assert sorted(flat) == ["bias", "weight"]
    np.testing.assert_array_equal(flat["weight"], model.weight.numpy())
    safetensors.numpy.save_file({"w": np.arange(6.0).reshape(2, 3)}, str(tmp_path / "other.safetensors"))
    loaded = minigrad.load(tmp_path / "other.safetensors")
    assert list(loaded) == ["w"] and loaded["w"].shape == (2, 3)
    # torch weights through safetensors into a minigrad model
    tl = torch.nn.Linear(3, 2)
    safetensors.numpy.save_file({k: v.detach().numpy() for k, v in tl.state_dict().items()},
                                str(tmp_path / "t.safetensors"))
    model.load_state_dict(minigrad.load(tmp_path / "t.safetensors"))
    np.testing.assert_array_equal(model.weight.numpy(), tl.weight.detach().numpy())


def test_nothing_executes_and_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match="save: cannot store a Linear at the top level"):
        minigrad.save(nn.Linear(2, 2), tmp_path / "m")
    with pytest.raises(TypeError, match=r"cannot store a function at opt.fn"):
        minigrad.save({"opt": {"fn": lambda: 0}}, tmp_path / "m")
    import pickle
    (tmp_path / "p").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="is not a readable minigrad checkpoint"):
        minigrad.load(tmp_path / "p")
    assert not (tmp_path / "m").exists()


def test_truncated_or_corrupt_files_raise_clear_errors(tmp_path):
    path = tmp_path / "c.mgz"
    minigrad.save({"w": minigrad.randn(50, 50)}, path)
    raw = path.read_bytes()
    cases = {
        "empty": (b"", "0 bytes long, shorter than the 8-byte header length"),
        "header cut": (raw[:40], "the header claims"),
        "data cut": (raw[:-100], "truncated"),
        "flipped byte": (raw[:-10] + bytes([raw[-10] ^ 1]) + raw[-9:], "SHA-256 does not match"),
        "bad json": (raw[:8] + b"#" + raw[9:], "header is not valid JSON"),
    }
    for name, (data, message) in cases.items():
        path.write_bytes(data)
        with pytest.raises(RuntimeError, match=message):
            minigrad.load(path)


def test_crash_mid_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mgz"
    old = {"w": minigrad.tensor([1.0, 2.0])}
    minigrad.save(old, path)
    before = path.read_bytes()

    def crash(out, head, body):
        out.write(head)
        out.write(bytes(body[:10]))
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(serialization, "_write_all", crash)
    with pytest.raises(KeyboardInterrupt):
        minigrad.save({"w": minigrad.randn(1000)}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.mgz"]
    _same(old, minigrad.load(path))


def test_process_killed_mid_write_leaves_the_old_file_intact(tmp_path):
    # a real crash: the writing process dies (os._exit) halfway through the data, no cleanup runs
    path = tmp_path / "ckpt.mgz"
    minigrad.save({"w": minigrad.tensor([1.0, 2.0])}, path)
    before = path.read_bytes()
    code = textwrap.dedent(f"""
        import os, minigrad
        from minigrad import serialization
        def dying(out, head, body):
            out.write(head); out.write(bytes(body[: len(body) // 2])); out.flush(); os._exit(3)
        serialization._write_all = dying
        minigrad.save({{"w": minigrad.randn(100000)}}, {str(path)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == 3, proc.stderr.decode()
    assert path.read_bytes() == before
    assert minigrad.load(path)["w"].tolist() == [1.0, 2.0]
    leftovers = [n for n in os.listdir(tmp_path) if n != "ckpt.mgz"]
    assert all(n.startswith(".ckpt.mgz.") and n.endswith(".tmp") for n in leftovers)
