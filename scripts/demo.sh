#!/usr/bin/env bash
# The main job on the built-in SentinelZer0 detector: export it from the zoo, generate a
# window of synthetic file-system events, describe, validate, run and time it (alone, under
# concurrency, over batch sizes, and against its int8 copy, with an HTML report).
set -euo pipefail
cd "$(dirname "$0")/.."
sz0=build/sz0
out=build/demo
rm -rf "$out"; mkdir -p "$out"
echo "== zoo"
$sz0 zoo list
echo "== export sentinel-gru"
$sz0 zoo export sentinel-gru -o "$out/sentinel-gru.onnx"
$sz0 info "$out/sentinel-gru.onnx"
$sz0 check "$out/sentinel-gru.onnx"
echo "== synthetic events (labels in $out/events/labels.csv)"
$sz0 zoo data sentinel -o "$out/events" --samples 8 --seed 1
first=$(ls -d "$out"/events/sample_* | head -1)
echo "== run on $(basename "$first") (label: $(sed -n 2p "$out/events/labels.csv"))"
$sz0 run "$out/sentinel-gru.onnx" -i events="$first/events.npy" -o "$out/outputs"
echo "== bench (batch 1, one thread; then two requests in flight; batch sizes; float against int8-dynamic on the events)"
$sz0 quantize "$out/sentinel-gru.onnx" -o "$out/sentinel-gru.int8.onnx" --mode int8-dynamic >/dev/null
$sz0 bench "$out/sentinel-gru.onnx" -i events="$first/events.npy" --iterations 200 --warmup 20 --threads 1 --json "$out/bench.json"
$sz0 bench "$out/sentinel-gru.onnx" --iterations 400 --concurrency 2 --json "$out/bench-concurrency.json"
$sz0 bench "$out/sentinel-gru.onnx" "$out/sentinel-gru.int8.onnx" --iterations 200 --threads 1 --batch 1,4,16 \
  --data "$out/events" --json "$out/bench-compare.json" --report "$out/bench.html"
echo "results: $out/bench.json, $out/bench-concurrency.json, $out/bench-compare.json; report: $out/bench.html"
