#!/usr/bin/env bash
# A model of about 1 GB: how soon it is ready, how fast it decodes with its Q8_0 matrices copied to
# the heap (the default) or left in the file mapping, and what it holds in memory.
#
#   bench/large-model.sh [--type q8_0] [--threads 1,2] [--tokens 128]
#
# Writes bench/models/tinyllama-1.1B-TYPE.gguf first if it is missing (random weights in TinyLlama
# 1.1B's shape, `moxing convert random:tinyllama-1.1B`, ~30 s). For each thread count and weight
# placement (-Dmoxing.weights=heap|mapped), alternating, prints:
#   bench:    `moxing bench generate` (load time, copy time, pp/tg after the copy has finished)
#   generate: `moxing generate --max-tokens TOKENS --stats` from a fresh process, the copy running
#             meanwhile (what a user waits for), with its peak resident memory (/usr/bin/time).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"

TYPE=q8_0 THREADS=1,2 TOKENS=128
while [[ $# -gt 0 ]]; do
  case "$1" in
    --type) TYPE="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --tokens) TOKENS="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "large-model.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
MODEL="$ROOT/bench/models/tinyllama-1.1B-$TYPE.gguf"
VOCAB="$ROOT/moxing-llm/src/test/resources/tokenizer/llama.cpp-vocab/ggml-vocab-llama-spm.gguf"
if [[ ! -f "$MODEL" ]]; then
  mkdir -p "$(dirname "$MODEL")"
  "$ROOT/moxing" convert random:tinyllama-1.1B "$MODEL" --type "$TYPE" --vocab "$VOCAB" --seed 1 | grep '^wrote'
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $(basename "$MODEL")"
IFS=, read -ra threads <<<"$THREADS"
for t in "${threads[@]}"; do
  for w in heap mapped; do
    echo "## threads $t, weights $w"
    MOXING_JAVA_OPTS="-Dmoxing.weights=$w" "$ROOT/moxing" bench generate --model "$MODEL" --threads "$t" --repeat 3 \
      --prompt-tokens 32 --gen-tokens 32 | grep -E '^(# java|pp|tg|memory)' | sed 's/^/bench:    /'
    line="$(MOXING_THREADS=$t MOXING_JAVA_OPTS="-Dmoxing.weights=$w" /usr/bin/time -f 'peak RSS %M KB, wall %e s' \
      "$ROOT/moxing" generate --model "$MODEL" --prompt "Once upon a time" --max-tokens "$TOKENS" --stats 2>&1 >/dev/null | tail -2 | tr '\n' ' ')"
    echo "generate: $line"
  done
done
