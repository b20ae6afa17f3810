#!/usr/bin/env bash
# Translate and score every translation suite with the default pipeline, then score the published
# OrangeSum summaries; reports land in eval/results/. Needs the default model (bilingua models download)
# and the data folder ($BILINGUA_DATA, default ../shared/evaldata beside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p eval/results
for suite in flores200-devtest newstest2014 tatoeba flores200-devtest-en-fr newstest2014-en-fr newstest2014-en-fr-orig-en tatoeba-en-fr; do
  bilingua eval --suite "$suite" --report "eval/results/$suite" "$@"
done
data="${BILINGUA_DATA:-../shared/evaldata}/summarization/orangesum/summaries/abstracts"
bilingua eval --suite orangesum --hyp "$data/barthez.txt" --hyp "$data/mbarthez.txt" \
  --hyp "$data/mbart.txt" --hyp "$data/camembert2camembert.txt" --report eval/results/orangesum-published
bilingua eval --suite orangesum --report eval/results/orangesum-bilingua-extractive
