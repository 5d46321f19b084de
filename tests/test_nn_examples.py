"""The issue-5 examples run end to end with short flags and write their pictures."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args, tmp_path):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, *args, "--out", str(tmp_path)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.parametrize("args,expect,png", [
    (["examples/quickstart.py", "--epochs", "3"], "checkpoint", "quickstart.png"),
    (["examples/digits_mlp.py", "--epochs", "3", "--quiet"], "Test accuracy", "digits_mlp_seed0.png"),
    (["examples/spiral.py", "--epochs", "5", "--lr", "0.03"], "training accuracy", "spiral.png"),
])
def test_example_runs(args, expect, png, tmp_path):
    out = _run(args, tmp_path)
    assert expect in out
    if png:
        assert (tmp_path / png).stat().st_size > 1000
    if "quickstart" in args[0]:
        assert "reloads to the same accuracy: True" in out
