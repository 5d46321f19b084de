"""minigrad.scalar must run without NumPy: load it in a fresh interpreter where importing numpy fails."""

import pathlib
import subprocess
import sys
import textwrap

import minigrad

SRC = pathlib.Path(minigrad.__file__).parent

SCRIPT = textwrap.dedent(
    """
    import importlib.abc, sys, types

    class BlockNumpy(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "numpy" or name.startswith("numpy."):
                raise ImportError("numpy is blocked in this test")
            return None

    sys.meta_path.insert(0, BlockNumpy())
    # a bare parent package, so that minigrad/__init__.py (the NumPy Tensor library) does not run
    pkg = types.ModuleType("minigrad")
    pkg.__path__ = [sys.argv[1]]
    sys.modules["minigrad"] = pkg

    import minigrad.scalar as s
    import minigrad.core
    model = s.Sequential(s.Conv2D(4, 4, 2, 2, 1, 2, activation="tanh"), s.Tanh())
    out = model(minigrad.core.as_value_array([[[0.5] * 4] * 4]))
    loss = s.MSELoss()(out, [[[0.0] * 2] * 2] * 2)
    loss.backward()
    s.SGD(model.parameters(), lr=0.1, momentum=0.9).step()
    assert "numpy" not in sys.modules
    print("ok")
    """
)


def test_scalar_imports_and_trains_without_numpy():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(SRC)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_the_blocker_really_blocks():
    # guards the guard: the same harness must fail when the code under test imports numpy
    script = SCRIPT.replace("import minigrad.scalar as s", "import numpy; import minigrad.scalar as s")
    result = subprocess.run(
        [sys.executable, "-c", script, str(SRC)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode != 0 and "numpy is blocked" in result.stderr
