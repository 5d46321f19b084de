#!/usr/bin/env bash
# The GPU checks, on a machine with an NVIDIA GPU, CuPy, torch, pytest, pytest-xdist and hypothesis installed:
# the CUDA tests, the device-aware suites (op table, layers, optimizer trajectories) with every tensor on cuda
# against torch on the CPU, and the GPU benchmark. Logs go to $OUT (default /tmp/gpu_check).
#   bash tools/gpu_check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu_check}
mkdir -p "$out"
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
$py -c "import cupy, torch, numpy; print('cupy', cupy.__version__, 'torch', torch.__version__, 'numpy', numpy.__version__)" \
  | tee -a "$out/gpu.txt"
echo "== tests/test_cuda.py"
$py -m pytest -p no:cacheprovider -o addopts="" -q -rs tests/test_cuda.py 2>&1 | tee "$out/test_cuda.txt" | tail -25
echo "== device-aware suites on cuda"
MINIGRAD_TEST_DEVICE=cuda timeout "${SUITE_TIMEOUT:-300}" $py -m pytest -p no:cacheprovider -o addopts="" -q \
  -n "${WORKERS:-8}" -W ignore::UserWarning tests/test_ops.py tests/test_layers_attention.py tests/test_layers_bert.py \
  tests/test_layers_conv.py tests/test_layers_norm.py tests/test_layers_rnn.py tests/test_nn_layers.py \
  tests/test_nn_losses.py "tests/test_optim_torch.py::test_optimizer_trajectory_matches_torch" \
  "tests/test_optim_torch.py::test_optimizer_with_minigrad_autograd_matches_torch" \
  "tests/test_optim_torch.py::test_optimizer_param_groups_and_maximize" 2>&1 | tee "$out/suite_cuda.txt" \
  | grep -E "^(FAILED|ERROR)|[0-9]+ (passed|failed)" | head -80
echo "== benchmarks/bench_gpu.py"
timeout "${BENCH_TIMEOUT:-150}" $py benchmarks/bench_gpu.py 2>&1 | tee "$out/bench_gpu.txt"
