#!/usr/bin/env bash
# Paired A/B of two Moxing builds on one model: alternates `bench generate` runs of OLD.jar and
# NEW.jar so that both see the same phases of a noisy machine, then prints each build's best and
# median pp128 / tg128 over all runs (best estimates the undisturbed speed on a shared host).
#
#   bench/ab-generate.sh OLD.jar NEW.jar MODEL.gguf [--threads 1] [--rounds 3] [--repeat 5]
#
# Build a jar with `mvn -q -B package -DskipTests && cp moxing-cli/target/moxing.jar /tmp/new.jar`
# (and the same at the older commit for OLD.jar).
set -euo pipefail
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"
[[ $# -ge 3 ]] || { sed -n '2,9p' "$0"; exit 2; }
OLD="$1" NEW="$2" MODEL="$3"; shift 3
THREADS=1 ROUNDS=3 REPEAT=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads) THREADS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --repeat) REPEAT="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "ab-generate.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for f in "$OLD" "$NEW" "$MODEL"; do [[ -f "$f" ]] || { echo "ab-generate.sh: no such file: $f" >&2; exit 1; }; done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cores)"
for ((r = 1; r <= ROUNDS; r++)); do
  for jar in "$OLD" "$NEW"; do
    line=$(java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xms32m -Xmn16m \
      -Dmoxing.home="$ROOT" -jar "$jar" bench generate --model "$MODEL" --threads "$THREADS" --repeat "$REPEAT" 2>/dev/null \
      | grep -E '^(pp|tg)[0-9]+ ' | tr '\n' ' ')
    echo "round $r $(basename "$jar"): $line"
    echo "$jar $line" >>"$LOG"
  done
done
for jar in "$OLD" "$NEW"; do
  for phase in pp tg; do
    grep -F "$jar " "$LOG" | grep -oE "$phase[0-9]+ [0-9.]+ tokens/s \(runs [0-9 ]+\)" | sed -E 's/.*runs ([0-9 ]+)\)/\1/' | tr ' ' '\n' \
      | grep -E '^[0-9]+$' | sort -n | awk -v j="$(basename "$jar")" -v p="$phase" \
        '{v[NR] = $1} END {if (NR) printf "%-24s %s: best %d  median %d  (%d runs)\n", j, p, v[NR], v[int((NR + 1) / 2)], NR}'
  done
done
