#!/usr/bin/env bash
# Moxing vs PyTorch on large elementwise ops, a full sum and row softmax, 1 and 2 threads, one run.
#
#   bench/ops.sh
#
# Both sides time the out-of-place op (result allocation included) on 4M floats and on a (4096, 1024)
# matrix for softmax; medians of repeats. ratio = moxing_ms / torch_ms (<= 1.5 is the goal).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
"$ROOT/moxing" --version >/dev/null
for T in 1 2; do MOXING_THREADS=$T "$ROOT/moxing" bench ops >> "$OUT/moxing.txt"; done
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$ROOT/bench/ops_torch.py" --threads 1 2 > "$OUT/torch.txt"
python3 - "$OUT/moxing.txt" "$OUT/torch.txt" <<'PY'
import re, sys
def load(p):
    d = {}
    for line in open(p):
        m = dict(re.findall(r'(\w+)=([\w.]+)', line))
        if 'op' in m and 'ms' in m: d[(m['op'], m['threads'])] = float(m['ms'])
    return d
mx, pt = load(sys.argv[1]), load(sys.argv[2])
print(f"{'op':<12} {'threads':>7} {'moxing_ms':>10} {'torch_ms':>9} {'ratio':>6}")
for k in sorted(mx, key=lambda k: (k[1], k[0])):
    if k in pt: print(f"{k[0]:<12} {k[1]:>7} {mx[k]:>10.3f} {pt[k]:>9.3f} {mx[k] / pt[k]:>6.2f}")
PY
