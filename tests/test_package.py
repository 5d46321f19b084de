"""Packaging promises: NumPy is the only hard dependency and `import minigrad` pulls in nothing optional."""
import pathlib
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OPTIONAL = ["torch", "matplotlib", "sklearn", "tqdm", "graphviz", "onnx", "onnxruntime", "mpi4py", "cupy",
            "transformers", "safetensors", "hypothesis", "scipy", "numpy.random"]


def test_numpy_is_the_only_hard_dependency():
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
