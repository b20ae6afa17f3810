#!/usr/bin/env bash
# The GPU run of scripts/bench_translate.py, prepared for a lent machine that has torch and
# transformers but neither ctranslate2 nor pysbd: those travel as wheels in .whl/, and FLORES
# devtest (fra/eng) travels in .gpudata/ (both ignored by git; see README, Performance).
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/src PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, transformers, sentencepiece; print('torch', torch.__version__, 'transformers', transformers.__version__, 'cuda', torch.cuda.is_available())"
systems=transformers-fp32,transformers-fp16
if python3 -c "import ctranslate2 as c; assert c.get_cuda_device_count() > 0; import sys; print('ctranslate2', c.__version__, sorted(c.get_supported_compute_types('cuda')))"; then
  systems=$systems,ct2-fp32,ct2-fp16,ct2-int8_fp16,ct2-fp16-targetvocab,bilingua
else
  echo "ctranslate2 sees no CUDA device here: GPU rows for CTranslate2 are skipped"
fi
python3 scripts/bench_translate.py --device cuda --data .gpudata --work /tmp/bench --runs "${RUNS:-2}" \
  --sentences 64 --bs1-sentences 16 --systems "$systems" --json "$OUT/bench_gpu.json" 2>&1 | tee "$OUT/bench_gpu.log"
