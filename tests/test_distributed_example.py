"""examples/digits_ddp.py under `mpirun -n 2` (kept apart from test_distributed.py: importing scikit-learn and
matplotlib in two processes costs 5-15 s on 2 cores)."""
from pathlib import Path

from test_distributed import mpi, mpirun, ok


@mpi
def test_digits_ddp_example_runs_on_two_processes(tmp_path):
    example = Path(__file__).parents[1] / "examples" / "digits_ddp.py"
    proc = mpirun(2, example, "--distributed", "--epochs", 1, "--out", tmp_path)
    out = ok(proc, 1, "2 process(es), global batch 64, 1 epochs: test accuracy")
    assert (tmp_path / "digits_ddp.png").exists(), out
