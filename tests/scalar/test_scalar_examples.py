"""The scalar examples run end to end (moons in full: 100% training accuracy; the digits nets on a small slice)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_example(name, *args):
    cmd = [sys.executable, str(ROOT / "examples" / name), *args]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_moons_reaches_100_percent_and_draws_the_boundary(tmp_path):
    out = run_example("scalar_moons.py", "--out", str(tmp_path))
    assert "final training accuracy 100% after 100 steps" in out
    assert (tmp_path / "scalar_moons.png").stat().st_size > 10_000


def test_lecun_digits_smoke_saves_checkpoint_and_curves(tmp_path):
    out = run_example("scalar_lecun_digits.py", "--epochs", "1", "--train-limit", "150", "--out", str(tmp_path))
    assert "reloaded: same test accuracy" in out
    assert (tmp_path / "scalar_lecun_digits.json").read_text().startswith("[")
    assert (tmp_path / "scalar_lecun_digits.png").exists()
