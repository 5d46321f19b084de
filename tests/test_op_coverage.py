"""Every Function class in minigrad.ops is exercised by an OpSpec of tests/opdb.py (forward, and the backward with
create_graph=True, which is where ScatterAdd and the recorded namespace come in), or is listed in EXTERNAL with
the test file of the engineer who owns it."""
import importlib
import inspect
import pkgutil
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.ops
from minigrad.autograd import function as F
from opdb import OPS, call_args

# layer ops whose tests live with the layers
EXTERNAL = {"Conv": "test_layers_conv.py", "ConvTranspose": "test_layers_conv.py",
            "SlidingWindowView": "test_layers_conv.py", "MaxPool": "test_layers_conv.py", "Col2Im": "test_layers_conv.py",
            "Linear": "test_higher_order.py", "BinaryCrossEntropy": "test_higher_order.py"}
ABSTRACT = {"_Compare"}


def all_op_classes():
    found = {}
    for m in pkgutil.iter_modules(minigrad.ops.__path__):
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
    missing = sorted(set(all_op_classes()) - seen - set(EXTERNAL) - ABSTRACT)
    assert not missing, f"Function classes with no OpSpec in tests/opdb.py: {missing}"
    here = Path(__file__).parent
    for name, test_file in EXTERNAL.items():
        assert (here / test_file).exists(), f"{name} is said to be tested in {test_file}, which does not exist"
