#!/usr/bin/env bash
# Writes the benchmark models: random-weight Llama models of llama2.c's stories15M and stories110M
# shapes (N(0, 0.02) weights, seed 1, the 32,000-token Llama SPM vocabulary) as GGUF files.
#
#   bench/make-models.sh [DIR]      (default: bench/models/, which git ignores)
#
# stories15M-{f32,q8_0,q4_0}.gguf and stories110M-{f32,f16,q8_0,q4_0}.gguf. Existing files are
# replaced (each is written to a temporary file and renamed). Prints each file's size and time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
export PATH="$JAVA_HOME/bin:$PATH"

case "${1:-}" in -h|--help) sed -n '2,8p' "$0"; exit 0 ;; esac
DIR="${1:-$ROOT/bench/models}"
VOCAB="$ROOT/moxing-llm/src/test/resources/tokenizer/llama.cpp-vocab/ggml-vocab-llama-spm.gguf"
mkdir -p "$DIR"
"$ROOT/moxing" --version >/dev/null # build the jar first, outside the timings

START=$SECONDS
for spec in stories15M:f32,q8_0,q4_0 stories110M:f32,f16,q8_0,q4_0; do
  model="${spec%%:*}"
  IFS=, read -ra types <<<"${spec#*:}"
  for type in "${types[@]}"; do
    "$ROOT/moxing" convert "random:$model" "$DIR/$model-$type.gguf" --type "$type" --vocab "$VOCAB" --seed 1 | grep '^wrote'
  done
done
echo "all models in $DIR in $((SECONDS - START)) s"
