#!/usr/bin/env bash
# The main job on the built-in SentinelZer0 detector: export it from the zoo, generate labelled
# windows of synthetic file-system events, and let the automatic pipeline build, verify and time
# every variant (FP32 optimized, FP16, BF16, INT8 dynamic and static with each calibration
# method, structured pruning with and without re-fitting, pruned + INT8), then choose the fastest
# that keeps cosine ≥ 0.99 and the detector's decisions (the same top attack type on ≥ 90% of
# held-out windows). The choice is re-checked with `sz0 compare`.
set -euo pipefail
cd "$(dirname "$0")/.."
sz0=build/sz0
out=build/demo
rm -rf "$out"; mkdir -p "$out"
echo "== export sentinel-gru"
$sz0 zoo export sentinel-gru -o "$out/sentinel-gru.onnx"
$sz0 info "$out/sentinel-gru.onnx"
echo "== synthetic events: 256 windows (the first 128 calibrate, the other 128 evaluate)"
$sz0 zoo data sentinel -o "$out/events" --samples 256 --seed 1
echo "== sz0 pipeline --auto"
$sz0 pipeline "$out/sentinel-gru.onnx" --auto --data "$out/events" --labels "$out/events/labels.csv" \
  --min-cosine 0.99 --min-top1 0.9 -o "$out/pipeline"
chosen=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["chosen_path"])' "$out/pipeline/pipeline.json")
echo "== the chosen variant, re-checked against the original on every event window"
$sz0 compare "$out/sentinel-gru.onnx" "$chosen" --data "$out/events" --labels "$out/events/labels.csv" --iterations 200
echo "variants: $out/pipeline/*.onnx; report: $out/pipeline/report.html (and report.md, pipeline.json)"
