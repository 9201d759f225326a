#!/usr/bin/env bash
# The demonstration, on the embedded SmolLM2-135M-Instruct, offline, on CPU:
#
#   1. audit the original model;
#   2. train warm-sft (the study's replication) and 3. audit it;
#   4. train balanced (warm and correct) and 5. audit it;
#   6. compare each against the original, on evaluation items disjoint from all training data
#      (and from the monitor's probe items), and write a summary table.
#
# Sized for about 30 minutes on a 2-core CPU (see examples/README.md for the estimate); every
# size is an environment variable, e.g. `ITEMS=3 STEPS=2 examples/demo.sh` for a smoke run.
# One thread by default: two threads save about a third on an idle machine, but slow down more
# than ten-fold when anything else uses the CPU (OMP_NUM_THREADS=2 to take the chance).
set -euo pipefail
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

SINCERE=${SINCERE:-sincere}        # the CLI (inside the venv: sincere)
PYTHON=${PYTHON:-python}           # the venv's python, for the summary
OUT=${OUT:-runs/demo}              # everything goes here
MODEL=${MODEL:-smollm2-135m}
ITEMS=${ITEMS:-40}                 # evaluation items per audit (x 4 conditions)
CONDITIONS=${CONDITIONS:-unmodified,sad,unmodified+incorrect,sad+incorrect}
TOKENS=${TOKENS:-64}               # longest reply in the audits
STEPS=${STEPS:-80}                 # optimiser steps per training (batch 4)
PROBES=${PROBES:-8}                # monitor probe items (x 2 conditions)
AUGMENT=${AUGMENT:-60}             # training items augmented for balanced
SEED=${SEED:-0}

HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
TIMES="$OUT/timings.txt"
: > "$TIMES"
START=$SECONDS

step() {  # step NAME COMMAND...: run, time, and log how long it took
  local name=$1 began=$SECONDS
  shift
  printf '\n== %s (%s)\n' "$name" "$(date +%T)"
  "$@"
  printf '%-22s %5d s\n' "$name" $((SECONDS - began)) | tee -a "$TIMES"
}

audit() {  # audit MODEL FOLDER
  $SINCERE audit --model "$1" --suite builtin --limit "$ITEMS" --conditions "$CONDITIONS" \
    --max-new-tokens "$TOKENS" --seed "$SEED" --out "$2"
}

train() {  # train RECIPE FOLDER MONITOR_EVERY [more flags]
  local recipe=$1 folder=$2 every=$3
  shift 3
  $SINCERE train sft --recipe "$recipe" --model "$MODEL" --max-steps "$STEPS" --monitor-every "$every" \
    --probe-items "$PROBES" --probe-exclude "$OUT/original" --seed "$SEED" --out "$folder" "$@"
}

every() { local n=$(( STEPS / $1 )); echo $(( n > 0 ? n : 1 )); }

step "audit original" audit "$MODEL" "$OUT/original"
step "train warm-sft" train warm-sft "$OUT/warm-sft" "$(every 2)"
step "audit warm-sft" audit "$OUT/warm-sft/model" "$OUT/audit-warm-sft"
step "train balanced" train balanced "$OUT/balanced" "$(every 4)" --augment-limit "$AUGMENT"
step "audit balanced" audit "$OUT/balanced/model" "$OUT/audit-balanced"
step "compare warm-sft" $SINCERE compare "$OUT/original" "$OUT/audit-warm-sft" --out "$OUT/compare-warm-sft.json"
step "compare balanced" $SINCERE compare "$OUT/original" "$OUT/audit-balanced" --out "$OUT/compare-balanced.json"
step "summary" "$PYTHON" "$HERE/summarise.py" "$OUT"
printf '%-22s %5d s\n' "total" $((SECONDS - START)) | tee -a "$TIMES"
