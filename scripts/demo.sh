#!/usr/bin/env bash
# The main job on the built-in SentinelZer0 detector: export it from the zoo, generate a
# window of synthetic file-system events, describe, validate, run and time it.
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
echo "== bench (batch 1, one thread)"
$sz0 bench "$out/sentinel-gru.onnx" -i events="$first/events.npy" --iterations 200 --warmup 20 --threads 1 --json "$out/bench.json"
echo "results: $out/bench.json"
