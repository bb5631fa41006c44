#!/usr/bin/env bash
# Moxing vs numpy/OpenBLAS float32 GEMM, same shapes and thread counts, one run.
#
#   bench/gemm.sh [--sizes 256,512,1024,2048] [--threads 1,2] [--repeat 10] [--transformer true|false]
#                 [--shapes MxNxK:TT,...]   (extra shapes, e.g. 4096x384x128:NT; TT in NN NT TN TT)
#
# Prints each side's raw lines (format: gemm m= n= k= trans= threads= ms= gflops=), then a table
# with ratio = moxing_gflops / openblas_gflops per (shape, threads). The two run one after the
# other, never at the same time; on a shared machine run it twice and trust the steadier one.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"

SIZES=256,512,1024,2048
THREADS="1,$(nproc)"
REPEAT=10
TRANSFORMER=true
SHAPES=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) SIZES="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    --transformer) TRANSFORMER="$2"; shift 2 ;;
    --shapes) SHAPES="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "gemm.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$THREADS" == "1,1" ]] && THREADS=1
ARGS=(--sizes "$SIZES" --threads "$THREADS" --repeat "$REPEAT" --transformer "$TRANSFORMER")
[[ -n "$SHAPES" ]] && ARGS+=(--shapes "$SHAPES")

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cores; above ~0.5 the numbers are noisy)"
echo "== moxing (Java $(java -version 2>&1 | head -1 | cut -d'"' -f2), Vector API)"
JAR="$ROOT/moxing-cli/target/moxing.jar"
run_jar() {
  # Call the command class directly: works whether or not `bench gemm` is registered in Main.
  java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC \
    -cp "$JAR" dev.moxing.cli.GemmBenchCommand "${ARGS[@]}" 2> >(grep -v '^WARNING: Using incubator' >&2)
}
if [[ -x "$ROOT/moxing" ]] && "$ROOT/moxing" bench gemm "${ARGS[@]}" > "$OUT/moxing.txt"; then
  cat "$OUT/moxing.txt"
else
  # No launcher, or its rebuild failed (e.g. another module mid-edit): use the jar as it is.
  if [[ ! -f "$JAR" ]]; then
    echo "building $JAR ..." >&2
    (cd "$ROOT" && mvn -q -B -DskipTests package) >&2
  fi
  [[ -x "$ROOT/moxing" ]] && echo "# ./moxing failed; running the existing $JAR" >&2
  run_jar | tee "$OUT/moxing.txt"
fi

echo "== numpy / OpenBLAS"
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set in this environment, force a slower kernel.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$ROOT/bench/gemm_numpy.py" "${ARGS[@]}" \
  | tee "$OUT/numpy.txt"

echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== ratio = moxing_gflops / openblas_gflops"
awk '
  function key(   i, kv, k) {
    k = ""
    for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    return f["m"] "x" f["n"] "x" f["k"] " " f["trans"] " " f["threads"]
  }
  /^gemm / {
    k = key()
    if (FILENAME == ARGV[1]) { mox[k] = f["gflops"]; order[++n] = k } else { blas[k] = f["gflops"] }
  }
  END {
    printf "%-18s %-5s %-7s %12s %14s %7s\n", "shape (m x n x k)", "trans", "threads", "moxing GF/s", "openblas GF/s", "ratio"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, p, " ")
      r = (k in blas && blas[k] > 0) ? sprintf("%.2f", mox[k] / blas[k]) : "n/a"
      printf "%-18s %-5s %-7s %12s %14s %7s\n", p[1], p[2], p[3], mox[k], (k in blas ? blas[k] : "n/a"), r
    }
  }' "$OUT/moxing.txt" "$OUT/numpy.txt"
