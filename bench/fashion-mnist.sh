#!/usr/bin/env bash
# Moxing vs PyTorch: seconds per epoch training the Fashion-MNIST MLP (or CNN), same model, batch,
# optimizer and data, on 1 and 2 threads, in one run.
#
#   bench/fashion-mnist.sh [--model mlp|cnn] [--epochs 3] [--data /usr/share/datasets/fashion-mnist]
#
# Both sides report their last epoch's wall time (the first includes JIT warm-up / allocator warm-up).
# PyTorch is run with every (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) split of the thread budget and
# its best last-epoch time is kept; the winning setting is printed. ratio = moxing / torch (< 1: faster).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODEL=mlp; EPOCHS=3; DATA=/usr/share/datasets/fashion-mnist
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) MODEL="$2"; shift 2 ;;
    --epochs) EPOCHS="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "fashion-mnist.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
"$ROOT/moxing" --version >/dev/null   # build first, outside the timings

echo "# $(date -u +%FT%TZ) model=$MODEL epochs=$EPOCHS data=$DATA cores=$(nproc)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 -c \
  "import threadpoolctl, numpy, torch; print('# torch', torch.__version__, [ (i['internal_api'], i.get('architecture'), i['num_threads']) for i in threadpoolctl.threadpool_info()])" || true
for T in 1 2; do
  MOXING_THREADS=$T "$ROOT/moxing" train fashion-mnist --model "$MODEL" --epochs "$EPOCHS" --verbose 2 --data "$DATA" \
    > "$OUT/moxing-$T.txt"
  MOX=$(grep -E '^epoch_seconds:' "$OUT/moxing-$T.txt" | awk '{print $NF}')
  ACC=$(grep -oE 'test_accuracy: [0-9.]+' "$OUT/moxing-$T.txt" | cut -d' ' -f2)
  BEST=""; BEST_SET=""
  for SPLIT in "1 1" "1 2" "2 1" "2 2"; do
    read -r OMP BLAS <<<"$SPLIT"
    (( OMP > T || BLAS > T )) && continue
    S=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$OMP OPENBLAS_NUM_THREADS=$BLAS \
        /usr/bin/python3 "$ROOT/bench/fashion_mnist_torch.py" --model "$MODEL" --epochs "$EPOCHS" --threads "$OMP" --data "$DATA" \
        | grep -oE 'seconds=[0-9.]+' | tail -1 | cut -d= -f2)
    echo "  torch threads=$T OMP_NUM_THREADS=$OMP OPENBLAS_NUM_THREADS=$BLAS last-epoch seconds=$S"
    if [[ -z "$BEST" ]] || python3 -c "import sys; sys.exit(0 if $S < $BEST else 1)"; then BEST=$S; BEST_SET="omp=$OMP,blas=$BLAS"; fi
  done
  RATIO=$(python3 -c "print(f'{$MOX / $BEST:.2f}')")
  echo "fashion-mnist model=$MODEL threads=$T moxing_s_per_epoch=$MOX torch_s_per_epoch=$BEST ($BEST_SET) ratio=$RATIO moxing_test_accuracy=$ACC"
done
