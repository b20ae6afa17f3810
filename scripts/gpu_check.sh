#!/usr/bin/env bash
# On a lent GPU machine: the default pipeline's device and engine choice, end to end, with a tiny model.
set -uo pipefail
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/src PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 BILINGUA_CACHE=/tmp/bcache
python3 - <<'PY'
from pathlib import Path
from bilingua.testing import build_marian
texts = Path("tests/data/corpus.fr.txt").read_text().splitlines() + Path("tests/data/corpus.en.txt").read_text().splitlines()
build_marian("/tmp/tiny", texts, max_position_embeddings=64)
PY
python3 -m bilingua translate --model /tmp/tiny --beams 1 --format json "Le conseil s'est réuni. Les avis restaient partagés." \
  | python3 -c "import json,sys; d=json.load(sys.stdin); print(json.dumps(d['models']['translation'], indent=1)); print(len(d['segments']), 'segments')"
echo "exit $?"
