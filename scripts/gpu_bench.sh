#!/usr/bin/env bash
# The GPU run of scripts/bench_translate.py, prepared for a lent machine that has torch and
# transformers but neither ctranslate2 nor pysbd: those travel as wheels in .whl/, and FLORES
# devtest (fra/eng) travels in .gpudata/ (both ignored by git; see README, Performance).
# CTranslate2's wheel asks for CUDA 12's libcublas.so.12: on a CUDA 13 machine bilingua loads
# CUDA 12's cuBLAS from the nvidia-cublas-cu12 wheel if installed, else CUDA 13's cuBLAS under
# CUDA 12's name (backends/cuda.py); scripts/gpu_scores.py checks that the GPU computes what the
# CPU does before anything is timed.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/src PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 BILINGUA_CACHE=/tmp/bench/cache
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  nvidia-smi | grep -o "CUDA Version: [0-9.]*"
  lscpu | grep -E "Model name|^CPU\(s\)"
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"
  python3 -c "import ctranslate2 as c; print('ctranslate2', c.__version__, 'devices', c.get_cuda_device_count(), sorted(c.get_supported_compute_types('cuda')))"
  find / -xdev \( -name 'libcublas.so.1[23]*' -o -name 'libcublasLt.so.1[23]*' \) 2>/dev/null | head
} 2>&1 | tee "$OUT/machine.txt"
python3 - <<'PY' || exit 1
import sys; sys.path.insert(0, "scripts")
from pathlib import Path
from bench_translate import build_model
build_model(Path("/tmp/bench/opus-mt-fr-en-shape"), Path(".gpudata"))
PY
python3 scripts/gpu_scores.py /tmp/bench/opus-mt-fr-en-shape .gpudata 2>&1 | tee "$OUT/scores.txt"
# The same with TF32 forbidden in cuBLAS: if the gap between the engines shrinks, TF32 was the cause.
NVIDIA_TF32_OVERRIDE=0 python3 scripts/gpu_scores.py /tmp/bench/opus-mt-fr-en-shape .gpudata 2>&1 | tee "$OUT/scores_no_tf32.txt"
systems=${SYSTEMS:-transformers-fp32,transformers-fp16,ct2-fp32,ct2-fp16,ct2-int8_fp16,bilingua}
python3 scripts/bench_translate.py --device cuda --data .gpudata --work /tmp/bench --runs "${RUNS:-2}" \
  --sentences 128 --bs1-sentences 16 --systems "$systems" \
  --modes greedy-bs1,greedy-bs16,greedy-bs64,beam4-bs1,beam4-bs16,beam4-bs64 --json "$OUT/bench_gpu.json" 2>&1 | tee "$OUT/bench_gpu.log"
