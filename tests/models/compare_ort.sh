#!/usr/bin/env bash
# Whole models through `sz0 run` and ONNX Runtime on the same inputs; outputs must match within
# 1e-3 absolute + 1e-2 relative. Fixtures come from make_models.py; public models from
# scripts/fetch-models.sh. Exit 77 (skipped) when ONNX Runtime is not installed.
#   compare_ort.sh SZ0_BINARY FIXTURE_DIR
set -uo pipefail
sz0="$1"
fixtures="$2"
here="$(cd "$(dirname "$0")" && pwd)"
peers="${SZ0_PEERS:-$here/../../../shared/peers}"
models="${SZ0_MODELS_DIR:-$HOME/.cache/sz0-models}"
ort_dir="${SZ0_PEERS_DIR:-$HOME/.cache/sz0-peers}"
if [ ! -f "$peers/ort.js" ] || [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  echo "ONNX Runtime peer not installed (run ../shared/peers/setup.sh): skipped"; exit 77
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0; skipped=0

# case NAME MODEL GEN_ARGS...
check() {
  local name="$1" model="$2"; shift 2
  if [ ! -f "$model" ]; then echo "SKIP $name: $model not present"; skipped=$((skipped+1)); return; fi
  local d="$work/$name"; mkdir -p "$d/in" "$d/ort" "$d/sz0"
  node "$peers/ort.js" gen "$@" --seed 7 -o "$d/in" >/dev/null || { echo "FAIL $name: input generation"; fail=$((fail+1)); return; }
  local ins=() f
  for f in "$d"/in/*.npy; do ins+=(-i "$(basename "$f" .npy)=$f"); done
  if ! node "$peers/ort.js" run "$model" "${ins[@]}" -o "$d/ort" >"$d/ort.log" 2>&1; then
    echo "FAIL $name: ONNX Runtime could not run it: $(tail -1 "$d/ort.log")"; fail=$((fail+1)); return
  fi
  if ! "$sz0" run "$model" "${ins[@]}" --threads 1 -o "$d/sz0" >"$d/sz0.log" 2>&1; then
    echo "FAIL $name: sz0 run: $(tail -1 "$d/sz0.log")"; fail=$((fail+1)); return
  fi
  local ok=1 out res
  for out in "$d"/ort/*.npy; do
    res=$(node "$peers/ort.js" compare "$d/sz0/$(basename "$out")" "$out" --atol 1e-3 --rtol 1e-2 2>&1) || ok=0
    echo "     $name $(basename "$out" .npy): $res"
  done
  if [ $ok = 1 ]; then echo "PASS $name"; pass=$((pass+1)); else echo "FAIL $name"; fail=$((fail+1)); fi
}

check se_resize "$fixtures/se_resize.onnx" --shape x=2x3x32x32
check lstm_if_then "$fixtures/lstm_if.onnx" --shape x=5x1x8 --shape use_forward=scalar:bool --value use_forward=1
check lstm_if_else "$fixtures/lstm_if.onnx" --shape x=7x1x8 --shape use_forward=scalar:bool --value use_forward=0
check mlp "$fixtures/mlp.onnx" --shape x=4x64
check attention "$fixtures/attention.onnx" --shape x=2x16x32
check silero_vad_16k "$models/silero_vad.onnx" --shape input=1x512 --shape sr=scalar:int64 --value sr=16000 --shape h=2x1x64 --shape c=2x1x64
check silero_vad_8k "$models/silero_vad.onnx" --shape input=1x256 --shape sr=scalar:int64 --value sr=8000 --shape h=2x1x64 --shape c=2x1x64
check ppocr_det "$models/ch_PP-OCRv4_det_infer.onnx" --shape x=1x3x96x128
check ppocr_rec "$models/ch_PP-OCRv4_rec_infer.onnx" --shape x=1x3x48x160
check ppocr_cls "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" --shape x=2x3x48x192

echo "whole models: $pass passed, $fail failed, $skipped skipped"
[ $fail = 0 ]
