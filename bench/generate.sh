#!/usr/bin/env bash
# Moxing generation speed against llama.cpp's figures from issue 5 (same model shapes, random
# weights, llama.cpp CPU build on this machine type): pp128 and tg128 tokens/s for 1 and 2 threads.
#
#   bench/generate.sh [--models DIR] [--repeat 5] [--threads 1,2]
#
# The models come from bench/make-models.sh (run it first; it takes about a minute). Prints each
# run's raw output, then a table: moxing tokens/s, llama.cpp tokens/s, ratio (goal: tg >= 1.0,
# pp >= 0.8). llama.cpp itself is not run here (it is not installed): its numbers are the ones
# quoted in the issue, measured on the same machine type. Run on a quiet machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"

MODELS="$ROOT/bench/models"
REPEAT=5
THREADS=1,2
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) MODELS="$2"; shift 2 ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "generate.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -f "$MODELS/stories15M-q8_0.gguf" ]] || { echo "no models in $MODELS: run bench/make-models.sh first" >&2; exit 1; }

# llama.cpp (issue 5): model type -> "pp1 pp2 tg1 tg2"
declare -A LLAMA=(
  [stories15M-f32]="6460 9550 464 453"   [stories15M-q8_0]="6615 9048 1132 882"  [stories15M-q4_0]="9757 12892 1288 1000"
  [stories110M-f32]="583 775 61 81"      [stories110M-f16]="467 948 95 121"
  [stories110M-q8_0]="587 821 159 148"   [stories110M-q4_0]="905 1237 222 232")
ORDER=(stories15M-f32 stories15M-q8_0 stories15M-q4_0 stories110M-f32 stories110M-f16 stories110M-q8_0 stories110M-q4_0)

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cores)"
"$ROOT/moxing" --version >/dev/null
RESULTS="$(mktemp)" RUN="$(mktemp)"
trap 'rm -f "$RESULTS" "$RUN"' EXIT
IFS=, read -ra TS <<<"$THREADS"
for m in "${ORDER[@]}"; do
  for t in "${TS[@]}"; do
    echo "== $m threads=$t"
    "$ROOT/moxing" bench generate --model "$MODELS/$m.gguf" --threads "$t" --repeat "$REPEAT" >"$RUN"
    cat "$RUN"
    awk -v m="$m" -v t="$t" '/^pp128/ {pp=$2} /^tg128/ {tg=$2} END {print m, t, pp, tg}' "$RUN" >>"$RESULTS"
  done
done
echo
printf '%-18s %3s %10s %10s %6s %10s %10s %6s\n' model thr pp128 llama.cpp ratio tg128 llama.cpp ratio
while read -r m t pp tg; do
  read -r lp1 lp2 lt1 lt2 <<<"${LLAMA[$m]}"
  lp=$([[ $t == 1 ]] && echo "$lp1" || echo "$lp2"); lt=$([[ $t == 1 ]] && echo "$lt1" || echo "$lt2")
  awk -v m="$m" -v t="$t" -v pp="$pp" -v lp="$lp" -v tg="$tg" -v lt="$lt" \
    'BEGIN {printf "%-18s %3s %10.1f %10s %6.2f %10.1f %10s %6.2f\n", m, t, pp, lp, pp/lp, tg, lt, tg/lt}'
done <"$RESULTS"
