"""Every Function class of the core op modules (elementwise, reduce, movement, linalg) is exercised by an OpSpec of
tests/opdb.py (forward, and the backward with create_graph=True, which is where ScatterAdd and the recorded
namespace come in). Classes in the layer op modules (conv, pool, linear, loss, ...) are tested with their layers:
each must at least be named (as a class or its snake_case op) in some test file."""
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from opdb import OPS, call_args

import minigrad
import minigrad.ops
from minigrad.autograd import function as F

CORE = ("elementwise", "reduce", "movement", "linalg")
# Detach runs only while a lazy graph records (an eager detach() makes no node); test_hunt_lazy_onnx replays it and
# test_onnx exports it
ABSTRACT = {"_Compare", "Detach"}


def all_op_classes(core=True):
    found = {}
    for m in pkgutil.iter_modules(minigrad.ops.__path__):
        if (m.name in CORE) != core:
            continue
        mod = importlib.import_module(f"minigrad.ops.{m.name}")
        for name, cls in vars(mod).items():
            if inspect.isclass(cls) and issubclass(cls, F.Function) and cls.__module__ == mod.__name__:
                found[name] = cls
    return found


def test_every_op_class_has_an_opspec():
    seen = set()
    original = F.Function.__dict__["apply"].__func__

    def recording(cls, *args, **kwargs):
        seen.add(cls.__name__)
        return original(cls, *args, **kwargs)

    @settings(max_examples=4, derandomize=True)
    @given(data=st.data())
    def run_all(data):
        for spec in OPS:
            dtype = spec.dtypes[-1]
            arrays, extra = call_args(spec.sample(data.draw, dtype))
            ts = [minigrad.tensor(a, requires_grad=spec.grad and a.dtype.kind == "f") for a in arrays]
            outs = spec.mg(*ts, *extra)
            outs = outs if isinstance(outs, tuple) else (outs,)
            diff = [o for o in outs if o.requires_grad]
            if spec.grad and diff and spec.name != "floor_divide":
                total = sum((o * minigrad.tensor(np.ones(o.shape, dtype=o.dtype) * 0.5)).sum() for o in diff)
                total.backward(create_graph=True)

    F.Function.apply = classmethod(recording)
    try:
        run_all()
    finally:
        F.Function.apply = classmethod(original)
    missing = sorted(set(all_op_classes()) - seen - ABSTRACT)
    assert not missing, f"Function classes with no OpSpec in tests/opdb.py: {missing}"


def test_layer_op_classes_are_tested_somewhere():
    here = Path(__file__).parent
    text = "\n".join(p.read_text() for p in here.glob("test_*.py") if p.name != Path(__file__).name).lower()
    # helpers that only the recorded namespace of create_graph uses are covered by the double-backward tests
    recorded = (Path(minigrad.ops.__file__).parent / "graph_namespace.py").read_text()
    untested = []
    for name in all_op_classes(core=False):
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
        named = name.lower() in text or snake in text
        if not named and not (name in recorded and (here / "test_higher_order.py").exists()):
            untested.append(name)
    assert not untested, f"layer op classes named in no test file: {untested}"
