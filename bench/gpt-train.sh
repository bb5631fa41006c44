#!/usr/bin/env bash
# Moxing vs PyTorch: GPT pre-training tokens/s (forward + backward + AdamW step), same nanoGPT-style
# model and batch shape, on 1 and 2 threads, in one run; then Moxing's generation speed for the model.
#
#   bench/gpt-train.sh [--configs "S M"] [--threads "1 2"] [--steps 25]
#
# S = 4 layers, 4 heads, width 128, context 128, batch 32; M = 6 layers, 6 heads, width 384,
# context 256, batch 8; character-level Tiny Shakespeare (vocabulary 65), dropout 0, AdamW, clip 1.0.
# Moxing: median of its progress lines' tokens/s after 20 warm-up steps (each line covers 5 steps,
# training only). PyTorch: median step time after 5 warm-up steps, for every (OMP_NUM_THREADS,
# OPENBLAS_NUM_THREADS) split of the thread budget; the best is kept and named.
# ratio = moxing / torch tokens/s (> 1: Moxing faster). Peak RSS from /usr/bin/time for both.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGS="S M"; THREADS="1 2"; STEPS=25
while [[ $# -gt 0 ]]; do
  case "$1" in
    --configs) CONFIGS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "gpt-train.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
TEXT="$ROOT/data/tinyshakespeare/input.txt"
"$ROOT/moxing" --version >/dev/null   # build first, outside the timings
shape() { case "$1" in S) echo "--layers 4 --heads 4 --width 128 --context 128 --batch-size 32" ;;
                       M) echo "--layers 6 --heads 6 --width 384 --context 256 --batch-size 8" ;; esac; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "# $(date -u +%FT%TZ) cores=$(nproc) load=$(cut -d' ' -f1-3 /proc/loadavg)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 -c \
  "import threadpoolctl, numpy, torch; print('# torch', torch.__version__, [(i['internal_api'], i.get('architecture'), i['num_threads']) for i in threadpoolctl.threadpool_info()])" || true
for C in $CONFIGS; do
  for T in $THREADS; do
    WARM=20; TOTAL=$((WARM + STEPS))   # Moxing: JIT and the heap's first growth settle in ~20 steps
    MOXING_THREADS=$T /usr/bin/time -f 'peak_rss_kb=%M' -o "$OUT/time.txt" "$ROOT/moxing" train gpt --text "$TEXT" $(shape "$C") \
      --dropout 0 --steps $TOTAL --warmup 1 --eval-every 0 --eval-steps 1 --log-every 5 --out "$OUT/run-$C-$T" \
      > "$OUT/moxing.txt" 2>&1
    MOX=$(grep -E '^step ' "$OUT/moxing.txt" | awk -v w=$WARM '{split($2, s, "/"); if (s[1] > w) {for (i = 1; i <= NF; i++) if ($i == "tok/s") {gsub(",", "", $(i-1)); print $(i-1)}}}' | median)
    MOX_RSS=$(( $(cut -d= -f2 "$OUT/time.txt") / 1024 ))
    BEST=""; BEST_SET=""; BEST_RSS=""
    for SPLIT in "1 1" "1 2" "2 1" "2 2"; do
      read -r OMP BLAS <<<"$SPLIT"
      (( OMP > T || BLAS > T )) && continue
      LINE=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$OMP OPENBLAS_NUM_THREADS=$BLAS \
          /usr/bin/python3 "$ROOT/bench/gpt_train_torch.py" --config "$C" --threads "$OMP" --steps "$STEPS")
      echo "  $LINE"
      S=$(grep -oE 'tokens_per_s=[0-9.]+' <<<"$LINE" | cut -d= -f2)
      if [[ -z "$BEST" ]] || (( S > BEST )); then
        BEST=$S; BEST_SET="omp=$OMP,blas=$BLAS"; BEST_RSS=$(grep -oE 'peak_rss_mb=[0-9]+' <<<"$LINE" | cut -d= -f2)
      fi
    done
    RATIO=$(python3 -c "print(f'{$MOX / $BEST:.2f}')")
    echo "gpt-train config=$C threads=$T moxing_tok_s=$MOX torch_tok_s=$BEST ($BEST_SET) ratio=$RATIO moxing_peak_rss_mb=$MOX_RSS torch_peak_rss_mb=$BEST_RSS"
    if [[ -d "$OUT/run-$C-$T" ]]; then
      GEN=$("$ROOT/moxing" bench generate --model "$OUT/run-$C-$T" --threads $T --prompt-tokens 64 --gen-tokens 96 2>&1 \
            | grep -E 'pp64|tg96' | tr -s ' \n' ' ')
      echo "gpt-generate config=$C threads=$T $GEN"
    fi
  done
done
