#!/usr/bin/env bash
# `sz0 optimize`: bad arguments fail cleanly and leave no file; every zoo model, every fixture and
# every public model present is optimized at level all, passes `sz0 check`, has no more ops
# than before, and computes what the original computes: ONNX Runtime on the original is the
# reference for ONNX Runtime on the optimized file and for `sz0 run` on both (1e-3 absolute +
# 1e-2 relative). Exit 77 (skipped) when ONNX Runtime is not installed and the error cases pass.
#   optimize.sh SZ0_BINARY FIXTURE_DIR
set -uo pipefail
sz0="$1"
fixtures="$2"
here="$(cd "$(dirname "$0")" && pwd)"
peers="${SZ0_PEERS:-$here/../../../shared/peers}"
models="${SZ0_MODELS_DIR:-$HOME/.cache/sz0-models}"
ort_dir="${SZ0_PEERS_DIR:-$HOME/.cache/sz0-peers}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0; skipped=0

# --- error cases: exit status, one line on stderr for status 1, no output file left ---

source "$(dirname "$0")/expect.sh"

"$sz0" zoo export mlp -o "$work/mlp.onnx" >/dev/null || { echo "FAIL: sz0 zoo export mlp"; exit 1; }
"$sz0" zoo export mlp -o "$work/mlp_b1.onnx" --batch 1 >/dev/null || { echo "FAIL: sz0 zoo export mlp --batch 1"; exit 1; }
echo "not a model" >"$work/text.onnx"
e="$work/err_out.onnx"
expect missing_model 1 "$e" "$sz0" optimize "$work/nope.onnx" -o "$e"
expect not_a_model 1 "$e" "$sz0" optimize "$work/text.onnx" -o "$e"
expect bad_level 2 "$e" "$sz0" optimize "$work/mlp.onnx" -o "$e" --level turbo
expect no_output 2 "" "$sz0" optimize "$work/mlp.onnx"
expect bad_fix_shape_syntax 1 "$e" "$sz0" optimize "$work/mlp.onnx" -o "$e" --fix-shape x=4xq
expect bad_fix_shape_pair 1 "$e" "$sz0" optimize "$work/mlp.onnx" -o "$e" --fix-shape 4x256
expect fix_shape_unknown_input 1 "$e" "$sz0" optimize "$work/mlp.onnx" -o "$e" --fix-shape nope=1x256
expect fix_shape_wrong_rank 1 "$e" "$sz0" optimize "$work/mlp.onnx" -o "$e" --fix-shape x=1x2x256
expect fix_shape_contradicts 1 "$e" "$sz0" optimize "$work/mlp_b1.onnx" -o "$e" --fix-shape x=2x256
expect unwritable_output 1 "" "$sz0" optimize "$work/mlp.onnx" -o /proc/sz0-nope/out.onnx
expect help 0 "" "$sz0" optimize --help
expect good 0 "" "$sz0" optimize "$work/mlp.onnx" -o "$work/mlp_opt.onnx" --level basic
leftovers=$(find "$work" -name '*.tmp*' | wc -l)
if [ "$leftovers" != 0 ]; then echo "FAIL temporary files left behind: $leftovers"; fail=$((fail+1)); fi

if [ ! -f "$peers/ort.js" ] || [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  echo "optimize errors: $pass passed, $fail failed"
  [ $fail = 0 ] || exit 1
  echo "ONNX Runtime peer not installed (run ../shared/peers/setup.sh): model comparisons skipped"; exit 77
fi

# --- models ---

# check NAME MODEL "OPTIMIZE_ARGS" GEN_ARGS...
check() {
  local name="$1" model="$2" opt_args="$3"; shift 3
  if [ ! -f "$model" ]; then echo "SKIP $name: $model not present"; skipped=$((skipped+1)); return; fi
  local d="$work/$name"; mkdir -p "$d/in" "$d/ref" "$d/ort_opt" "$d/sz0" "$d/sz0_opt"
  local opt="$d/optimized.onnx"
  # shellcheck disable=SC2086
  if ! "$sz0" optimize "$model" -o "$opt" --level all $opt_args >"$d/optimize.log" 2>&1; then
    echo "FAIL $name: sz0 optimize: $(tail -1 "$d/optimize.log")"; fail=$((fail+1)); return
  fi
  local totals; totals=$(awk '$1 == "total" {print $2, $3}' "$d/optimize.log")
  if [ -z "$totals" ] || [ "${totals#* }" -gt "${totals% *}" ]; then
    echo "FAIL $name: op count grew or missing ($totals)"; fail=$((fail+1)); return
  fi
  if ! "$sz0" check "$opt" >"$d/check.log" 2>&1; then
    echo "FAIL $name: sz0 check on the optimized model: $(tail -1 "$d/check.log")"; fail=$((fail+1)); return
  fi
  node "$peers/ort.js" gen "$@" --seed 7 -o "$d/in" >/dev/null || { echo "FAIL $name: input generation"; fail=$((fail+1)); return; }
  local ins=() f
  for f in "$d"/in/*.npy; do ins+=(-i "$(basename "$f" .npy)=$f"); done
  if ! node "$peers/ort.js" run "$model" "${ins[@]}" -o "$d/ref" >"$d/ref.log" 2>&1; then
    echo "FAIL $name: ONNX Runtime on the original: $(tail -1 "$d/ref.log")"; fail=$((fail+1)); return
  fi
  if ! node "$peers/ort.js" run "$opt" "${ins[@]}" -o "$d/ort_opt" >"$d/ort_opt.log" 2>&1; then
    echo "FAIL $name: ONNX Runtime on the optimized model: $(tail -1 "$d/ort_opt.log")"; fail=$((fail+1)); return
  fi
  if ! "$sz0" run "$model" "${ins[@]}" --threads 1 -o "$d/sz0" >"$d/sz0.log" 2>&1; then
    echo "FAIL $name: sz0 run on the original: $(tail -1 "$d/sz0.log")"; fail=$((fail+1)); return
  fi
  if ! "$sz0" run "$opt" "${ins[@]}" --threads 1 -o "$d/sz0_opt" >"$d/sz0_opt.log" 2>&1; then
    echo "FAIL $name: sz0 run on the optimized model: $(tail -1 "$d/sz0_opt.log")"; fail=$((fail+1)); return
  fi
  local ok=1 out res which
  for out in "$d"/ref/*.npy; do
    for which in ort_opt sz0 sz0_opt; do
      res=$(node "$peers/ort.js" compare "$d/$which/$(basename "$out")" "$out" --atol 1e-3 --rtol 1e-2 2>&1) || ok=0
      echo "     $name $which $(basename "$out" .npy): $res"
    done
  done
  echo "     $name ops: $totals"
  if [ $ok = 1 ]; then echo "PASS $name"; pass=$((pass+1)); else echo "FAIL $name"; fail=$((fail+1)); fi
}

source "$(dirname "$0")/../zoo_inputs.sh"
listed=$("$sz0" zoo list | awk '{print $1}') || { echo "FAIL: sz0 zoo list"; exit 1; }
for name in $listed; do
  if [ -z "${zoo_inputs[$name]:-}" ]; then echo "FAIL $name: no input table entry in $(basename "$0")"; fail=$((fail+1)); continue; fi
  "$sz0" zoo export "$name" -o "$work/zoo_$name.onnx" --batch 1 >/dev/null || { echo "FAIL $name: sz0 zoo export"; fail=$((fail+1)); continue; }
  mapfile -t gen < <(zoo_gen_args "$name" 1)
  check "zoo_$name" "$work/zoo_$name.onnx" "" "${gen[@]}"
done
# A symbolic batch fixed at optimization time.
"$sz0" zoo export transformer-s -o "$work/zoo_transformer_dyn.onnx" >/dev/null
check zoo_transformer_fixed "$work/zoo_transformer_dyn.onnx" "--fix-shape tokens=2x128" --shape tokens=2x128:int64

check se_resize "$fixtures/se_resize.onnx" "" --shape x=2x3x32x32
check lstm_if_then "$fixtures/lstm_if.onnx" "" --shape x=5x1x8 --shape use_forward=scalar:bool --value use_forward=1
check lstm_if_else "$fixtures/lstm_if.onnx" "" --shape x=7x1x8 --shape use_forward=scalar:bool --value use_forward=0
check mlp_fixture "$fixtures/mlp.onnx" "" --shape x=4x64
check mlp_fixture_fixed "$fixtures/mlp.onnx" "--fix-shape x=4x64" --shape x=4x64
check attention "$fixtures/attention.onnx" "" --shape x=2x16x32
check silero_vad_16k "$models/silero_vad.onnx" "" --shape input=1x512 --shape sr=scalar:int64 --value sr=16000 --shape h=2x1x64 --shape c=2x1x64
check silero_vad_8k "$models/silero_vad.onnx" "" --shape input=1x256 --shape sr=scalar:int64 --value sr=8000 --shape h=2x1x64 --shape c=2x1x64
check ppocr_det "$models/ch_PP-OCRv4_det_infer.onnx" "" --shape x=1x3x96x128
check ppocr_rec "$models/ch_PP-OCRv4_rec_infer.onnx" "" --shape x=1x3x48x160
check ppocr_rec_fixed "$models/ch_PP-OCRv4_rec_infer.onnx" "--fix-shape x=1x3x48x160" --shape x=1x3x48x160
check ppocr_cls "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" "" --shape x=2x3x48x192

echo "optimize: $pass passed, $fail failed, $skipped skipped"
[ $fail = 0 ]
