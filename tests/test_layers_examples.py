"""The issue-7 examples run end to end with short settings and write their pictures (smoke test; their full
results are in docs/layers.md)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(script, *args):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), *args], check=False,
                         capture_output=True, text=True, timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_cnn_then_gan_examples(tmp_path):
    out = run("cnn_digits.py", "--epochs", "2", "--out", str(tmp_path))
    assert "test accuracy" in out
    assert (tmp_path / "cnn_digits_curves.png").exists()
    out = run("gan_digits.py", "--epochs", "2", "--out", str(tmp_path))  # scores with the CNN saved above
    assert "uniform noise" in out
    assert (tmp_path / "gan_digits" / "epoch_002.png").exists() and (tmp_path / "gan_digits" / "losses.png").exists()


def test_lstm_and_char_transformer_examples(tmp_path):
    assert "test MSE" in run("lstm_sine.py", "--epochs", "1", "--out", str(tmp_path))
    out = run("char_transformer.py", "--steps", "3", "--sample-length", "20", "--out", str(tmp_path))
    assert "sample after training" in out
    assert (tmp_path / "lstm_sine.png").exists() and (tmp_path / "char_transformer_loss.png").exists()
