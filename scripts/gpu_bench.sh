#!/usr/bin/env bash
# The GPU run of scripts/bench_translate.py, prepared for a lent machine that has torch and
# transformers but neither ctranslate2 nor pysbd: those travel as wheels in .whl/, and FLORES
# devtest (fra/eng) travels in .gpudata/ (both ignored by git; see README, Performance).
# CUDA 12's cuBLAS for CTranslate2 on a CUDA 13 machine: nvidia-cublas-cu12 and
# nvidia-cuda-runtime-cu12 wheels in .whl/ (or pip-installable there) are found and loaded
# by bilingua (backends/cuda.py) before CTranslate2 asks for libcublas.so.12.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/src PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/machine.txt"
nvidia-smi | grep -o "CUDA Version: [0-9.]*" | tee -a "$OUT/machine.txt"
lscpu | grep -E "Model name|^CPU\(s\)" | tee -a "$OUT/machine.txt"
python3 -c "import torch, transformers, sentencepiece; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"
systems=transformers-fp32,transformers-fp16
if python3 -c "from bilingua.backends.cuda import preload_cuda12; print('CUDA 12 libraries loaded:', preload_cuda12()); import ctranslate2 as c; assert c.get_cuda_device_count() > 0; print('ctranslate2', c.__version__, sorted(c.get_supported_compute_types('cuda')))"; then
  systems=$systems,ct2-fp32,ct2-fp16,ct2-int8_fp16,ct2-fp16-targetvocab,bilingua
else
  echo "ctranslate2 sees no CUDA device here: GPU rows for CTranslate2 are skipped"
fi
python3 scripts/bench_translate.py --device cuda --data .gpudata --work /tmp/bench --runs "${RUNS:-2}" \
  --sentences 128 --bs1-sentences 16 --systems "$systems" \
  --modes greedy-bs1,greedy-bs16,greedy-bs64,beam4-bs1,beam4-bs16,beam4-bs64 --json "$OUT/bench_gpu.json" 2>&1 | tee "$OUT/bench_gpu.log"
