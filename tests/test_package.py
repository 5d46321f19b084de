"""Packaging promises: NumPy is the only hard dependency and `import minigrad` pulls in nothing optional."""
import pathlib
import subprocess
import sys

import pytest

import minigrad

ROOT = pathlib.Path(__file__).resolve().parent.parent
OPTIONAL = ["torch", "matplotlib", "sklearn", "tqdm", "graphviz", "onnx", "onnxruntime", "mpi4py", "cupy",
            "transformers", "safetensors", "hypothesis", "scipy", "numpy.random"]


def test_numpy_is_the_only_hard_dependency():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; minigrad itself runs on 3.10
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert [d.split(">")[0].split("=")[0] for d in meta["dependencies"]] == ["numpy"]
    test_extra = meta["optional-dependencies"]["test"]
    assert "torch==2.13.0" in test_extra


def test_import_pulls_in_no_optional_package():
    code = ("import sys, minigrad, minigrad.nn, minigrad.optim, minigrad.data; "
            f"print([m for m in {OPTIONAL!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"import minigrad imported optional packages: {out}"


def test_public_names_resolve():
    import minigrad

    for name in ["Tensor", "tensor", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "manual_seed",
                 "zeros", "ones", "randn", "rand", "arange", "full", "eye", "zeros_like", "ones_like", "set_device",
                 "devices", "float32", "float64", "int64", "Value"]:
        assert hasattr(minigrad, name), name


@pytest.mark.parametrize("version,ok", [("1.26.4", False), ("2.0.2", False), ("2.1.0", True), ("2.1.3", True),
                                        ("2.4.6", True), ("3.0.0rc1", True)])
def test_an_old_numpy_is_refused_at_import_with_the_fix(version, ok):
    if ok:
        minigrad._require_numpy(version)
    else:
        with pytest.raises(ImportError, match=rf"NumPy 2.1 or newer, found {version}: pip install 'numpy>=2.1'"):
            minigrad._require_numpy(version)
