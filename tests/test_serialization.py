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


def _round_trip(obj, tmp_path, **kw):
    minigrad.save(obj, tmp_path / "rt.mgz")
    return minigrad.load(tmp_path / "rt.mgz", **kw)


def _torch_round_trip(obj, tmp_path, **kw):
    torch.save(obj, tmp_path / "rt.pt")
    return torch.load(tmp_path / "rt.pt", **kw)


def test_parameters_come_back_as_parameters_like_torch(tmp_path):
    for rg in (True, False):
        back = _round_trip({"p": nn.Parameter(minigrad.tensor([1.0, 2.0]), requires_grad=rg)}, tmp_path)["p"]
        ref = _torch_round_trip({"p": torch.nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=rg)}, tmp_path)["p"]
        assert type(ref) is torch.nn.Parameter and ref.requires_grad is rg
        assert type(back) is nn.Parameter and back.requires_grad is rg and back.tolist() == [1.0, 2.0]
    back = _round_trip(nn.Linear(3, 2).weight, tmp_path)  # a Parameter at the top level, and its detach()
    assert type(back) is nn.Parameter and back.requires_grad
    p = nn.Parameter(minigrad.ones(2))
    back = _round_trip({"p": p, "q": p.detach(), "p2": p}, tmp_path)
    assert type(back["p"]) is nn.Parameter and back["p"] is back["p2"]
    assert type(back["q"]) is minigrad.Tensor and not back["q"].requires_grad


def test_distinct_tensors_sharing_an_array_stay_distinct_like_torch(tmp_path):
    t, tt = minigrad.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)
    ref = _torch_round_trip({"a": tt, "b": tt.detach(), "c": tt}, tmp_path)
    back = _round_trip({"a": t, "b": t.detach(), "c": t}, tmp_path)
    for r in (ref, back):
        assert r["a"] is not r["b"] and r["a"] is r["c"]
        assert r["a"].requires_grad and not r["b"].requires_grad
    back["a"].data[0] = 5.0  # torch keeps the storage shared between them; so does minigrad
    assert back["b"].tolist() == [5.0, 1.0]
    # one tensor in several places (lists, tuples, nested dicts) is one object after loading
    back = _round_trip([t, (t, {"x": t}), t.detach()], tmp_path)
    assert back[0] is back[1][0] is back[1][1]["x"] and back[2] is not back[0]
    # a non-leaf tensor saved twice: one object, a leaf that keeps requires_grad (torch does the same)
    y = t * 2
    back = _round_trip({"a": y, "b": y}, tmp_path)
    assert back["a"] is back["b"] and back["a"].requires_grad and back["a"].is_leaf
    assert _torch_round_trip(tt * 2, tmp_path).requires_grad


# written by minigrad before tensors carried an identity, device and Parameter flag:
# {"a": t, "b": t, "p": Parameter([3.]), "n": [tensor([4, 5])], "e": 2}
_OLD_FILE = (
    "cAIAAAAAAAB7ImEiOiB7ImR0eXBlIjogIkYzMiIsICJzaGFwZSI6IFsyXSwgImRhdGFfb2Zmc2V0cyI6IFswLCA4XX0sICJwIjogeyJkdHlwZSI6"
    "ICJGMzIiLCAic2hhcGUiOiBbMV0sICJkYXRhX29mZnNldHMiOiBbOCwgMTJdfSwgIm4uMCI6IHsiZHR5cGUiOiAiSTY0IiwgInNoYXBlIjogWzJd"
    "LCAiZGF0YV9vZmZzZXRzIjogWzEyLCAyOF19LCAiX19tZXRhZGF0YV9fIjogeyJmb3JtYXQiOiAibWluaWdyYWQtc2FmZXRlbnNvcnMtMSIsICJz"
    "dHJ1Y3R1cmUiOiAie1wiX19kaWN0X19cIjogW1tcImFcIiwge1wiX190ZW5zb3JfX1wiOiBcImFcIiwgXCJyZXF1aXJlc19ncmFkXCI6IHRydWV9"
    "XSwgW1wiYlwiLCB7XCJfX3RlbnNvcl9fXCI6IFwiYVwiLCBcInJlcXVpcmVzX2dyYWRcIjogdHJ1ZX1dLCBbXCJwXCIsIHtcIl9fdGVuc29yX19c"
    "IjogXCJwXCIsIFwicmVxdWlyZXNfZ3JhZFwiOiB0cnVlfV0sIFtcIm5cIiwge1wiX19saXN0X19cIjogW3tcIl9fdGVuc29yX19cIjogXCJuLjBc"
    "IiwgXCJyZXF1aXJlc19ncmFkXCI6IGZhbHNlfV19XSwgW1wiZVwiLCAyXV19IiwgInNoYTI1NiI6ICIyZGEyYmY2NDY1ZTUzNmFjN2NlZTY1NTE3"
    "MmM5M2ZiYjgxOGE4NDA2MmIyNWI1MzM1YmEwMjFlZTdmMTU0MzVhIn19ICAAAIA/AAAAQAAAQEAEAAAAAAAAAAUAAAAAAAAA")


def test_files_written_before_identity_records_still_load(tmp_path):
    import base64
    (tmp_path / "old.mgz").write_bytes(base64.b64decode(_OLD_FILE))
    for ml in (None, "cpu", {"cuda:0": "cpu"}, lambda storage, loc: storage):
        back = minigrad.load(tmp_path / "old.mgz", map_location=ml)
        assert list(back) == ["a", "b", "p", "n", "e"] and back["e"] == 2
        assert back["a"] is back["b"] and back["a"].tolist() == [1.0, 2.0] and back["a"].requires_grad
        assert back["p"].tolist() == [3.0] and back["n"][0].tolist() == [4, 5] and back["n"][0].dtype == np.int64


def _relocate(path, device):
    """Rewrite a checkpoint's header as if its tensors had been saved on `device`."""
    import json
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    header["__metadata__"]["structure"] = header["__metadata__"]["structure"].replace(
        '"device": "cpu"', f'"device": "{device}"')
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    path.write_bytes(len(head).to_bytes(8, "little") + head + raw[8 + n:])


def test_map_location_accepts_torchs_forms(tmp_path):
    t = minigrad.tensor([1.0, 2.0], requires_grad=True)
    obj = {"a": t, "b": t.detach(), "c": t}
    tt = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    forms = ["cpu", minigrad.device("cpu"), torch.device("cpu"), {"cuda:0": "cpu"}, {"cpu": "cpu"},
             lambda storage, loc: storage, lambda storage, loc: None,
             lambda storage, loc: seen.append((type(storage), loc)) or storage]
    for ml in forms:
        if not isinstance(ml, type(minigrad.device("cpu"))):
            ref = _torch_round_trip({"a": tt, "b": tt.detach()}, tmp_path, map_location=ml)
            assert ref["a"].device.type == "cpu" and ref["a"] is not ref["b"]
        back = _round_trip(obj, tmp_path, map_location=ml)
        assert back["a"].device == minigrad.device("cpu") and back["a"].tolist() == [1.0, 2.0]
        assert back["a"] is back["c"] and back["a"] is not back["b"] and not back["b"].requires_grad
        back["a"].data[1] = 7.0  # the callable is called once per stored array: sharing survives
        assert back["b"].tolist() == [1.0, 7.0]
    # one call per stored array, for torch (its one storage) and minigrad (its one array) alike
    assert seen == [(torch.UntypedStorage, "cpu"), (minigrad.Tensor, "cpu")]
    # a checkpoint written on a GPU: a dict or callable sends it to the CPU, reading the saved location
    minigrad.save(obj, tmp_path / "gpu.mgz")
    _relocate(tmp_path / "gpu.mgz", "cuda:0")
    locs = []
    for ml in ({"cuda:0": "cpu"}, lambda storage, loc: locs.append(loc) or storage, "cpu", None):
        back = minigrad.load(tmp_path / "gpu.mgz", map_location=ml)
        assert back["a"].device == minigrad.device("cpu") and back["a"] is back["c"]
    assert locs == ["cuda:0"]
    with pytest.raises(ValueError, match="unknown device '5'"):
        minigrad.load(tmp_path / "gpu.mgz", map_location=5)
    with pytest.raises(TypeError, match="map_location returned a int"):
        minigrad.load(tmp_path / "gpu.mgz", map_location=lambda storage, loc: 3)
    # a plain safetensors file: the location is "cpu"
    safetensors.numpy.save_file({"w": np.arange(3.0)}, str(tmp_path / "p.safetensors"))
    for ml in ({"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert minigrad.load(tmp_path / "p.safetensors", map_location=ml)["w"].tolist() == [0.0, 1.0, 2.0]
