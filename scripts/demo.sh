#!/usr/bin/env bash
# The main job on built-in models: describe, validate, run and time them.
# (The C++ model zoo will replace the Python-built fixtures as the demo's models.)
set -euo pipefail
cd "$(dirname "$0")/.."
sz0=build/sz0
out=build/demo
mkdir -p "$out"
/usr/bin/python3 tests/models/make_models.py "$out"
for m in se_resize attention lstm_if; do
  echo "== $m"
  $sz0 info "$out/$m.onnx"
  $sz0 check "$out/$m.onnx"
done
echo "== run se_resize (random input, outputs in $out/outputs)"
$sz0 run "$out/se_resize.onnx" --random --seed 1 -o "$out/outputs"
echo "== bench"
$sz0 bench "$out/se_resize.onnx" "$out/attention.onnx" "$out/mlp.onnx" --iterations 50 --warmup 5 --threads 1 --json "$out/bench.json"
echo "results: $out/bench.json"
