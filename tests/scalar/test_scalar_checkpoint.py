"""Checkpoints: seed 001's flat JSON list round-trips; bad files are refused without touching the model."""

import json
import random

import pytest

from minigrad.scalar import MLP, Conv2D, Linear, Sequential, Tanh, load, load_parameters, save, save_parameters


def make_model(seed):
    random.seed(seed)
    return Sequential(Conv2D(5, 5, kernel_size=3, stride=2, in_channels=1, out_channels=2, activation="tanh"), Tanh())


def test_round_trip_restores_every_parameter(tmp_path):
    model = MLP(3, [4, 2])
    path = tmp_path / "model.json"
    save_parameters(model, path)
    values = json.loads(path.read_text())
    assert values == [p.data for p in model.parameters()]  # flat list in parameters() order, seed 001's format
    other = MLP(3, [4, 2])
    load_parameters(other, path)
    assert [p.data for p in other.parameters()] == values
    x = [0.5, -0.25, 1.0]
    assert [v.data for v in other(x)] == [v.data for v in model(x)]


def test_save_load_aliases_and_param_lists(tmp_path):
    a, b = make_model(1), make_model(2)
    save(a.parameters(), tmp_path / "c.json")
    load(b, tmp_path / "c.json")
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


@pytest.mark.parametrize("content, message", [
    ("[1.0, 2.0]", "holds 2 values but the model has 12 parameters"),
    (json.dumps([0.5] * 13), "holds 13 values but the model has 12 parameters"),
    ('{"w": [1, 2]}', "expected a JSON list, found dict"),
    (json.dumps([0.5] * 11 + ["x"]), "entry 11 is 'x' \\(str\\), expected a number"),
    (json.dumps([0.5] * 11 + [[1.0]]), "entry 11 is \\[1.0\\] \\(list\\), expected a number"),
    (json.dumps([0.5] * 11 + [True]), "entry 11 is True \\(bool\\), expected a number"),
    ("not json at all", "not a scalar checkpoint"),
    ("[1.0, 2.0", "not a scalar checkpoint"),
])  # fmt: skip
def test_bad_files_raise_and_change_nothing(tmp_path, content, message):
    model = Linear(3, 3)
    assert len(model.parameters()) == 12
    before = [p.data for p in model.parameters()]
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_parameters(model, path)
    assert [p.data for p in model.parameters()] == before


def test_binary_garbage_raises_and_changes_nothing(tmp_path):
    model = Linear(2, 1)
    before = [p.data for p in model.parameters()]
    path = tmp_path / "garbage.bin"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(ValueError, match="garbage.bin: not a scalar checkpoint"):
        load_parameters(model, path)
    assert [p.data for p in model.parameters()] == before
