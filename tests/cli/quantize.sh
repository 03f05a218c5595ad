#!/usr/bin/env bash
# `sz0 quantize` and `sz0 compare`: bad arguments fail cleanly and leave no file; every zoo model
# is converted to fp16 and bf16, runs in sz0, stays close to the float model (fp16: cosine ≥ 0.999
# per output by `sz0 compare --json`; bf16: ≥ 0.99) and, for fp16, is at most 0.56 of the float
# file's size. When ONNX Runtime is installed, each converted model also runs there and agrees
# with sz0 on it. Exit 77 (skipped) only when nothing could be checked.
#   quantize.sh SZ0_BINARY
set -uo pipefail
sz0="$1"
here="$(cd "$(dirname "$0")" && pwd)"
peers="${SZ0_PEERS:-$here/../../../shared/peers}"
ort_dir="${SZ0_PEERS_DIR:-$HOME/.cache/sz0-peers}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0
py=/usr/bin/python3

source "$(dirname "$0")/expect.sh"

"$sz0" zoo export mlp -o "$work/mlp.onnx" --batch 1 >/dev/null || { echo "FAIL: sz0 zoo export mlp"; exit 1; }
e="$work/err_out.onnx"
expect missing_model 1 "$e" "$sz0" quantize "$work/nope.onnx" -o "$e" --mode fp16
expect bad_mode 2 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode fp8
expect no_mode 2 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e"
expect int8_dynamic 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode int8-dynamic
expect int8_static 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode int8-static
if ! grep -q "not implemented yet" "$work/stderr"; then echo "FAIL int8 message: $(cat "$work/stderr")"; fail=$((fail+1)); fi
expect bad_keep_io 2 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode fp16 --keep-io-types maybe
expect missing_calib 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode fp16 --calib "$work/no-data"
expect unwritable_output 1 "" "$sz0" quantize "$work/mlp.onnx" -o /proc/sz0-nope/out.onnx --mode fp16
expect compare_missing 1 "" "$sz0" compare "$work/mlp.onnx" "$work/nope.onnx"
expect help 0 "" "$sz0" quantize --help
expect compare_help 0 "" "$sz0" compare --help
leftovers=$(find "$work" -name '*.tmp*' | wc -l)
if [ "$leftovers" != 0 ]; then echo "FAIL temporary files left behind: $leftovers"; fail=$((fail+1)); fi

have_ort=0
if [ -f "$peers/ort.js" ] && [ -d "$ort_dir/node_modules/onnxruntime-node" ]; then have_ort=1; fi

# Reads `sz0 compare --json` output: prints "min_cosine size_ratio" .
metrics() {
  "$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(min(o["cosine"] for o in j["outputs"]), j["file_size_ratio"])' "$1"
}

# check NAME MODEL MODE MIN_COSINE MAX_SIZE_RATIO GEN_ARGS...
check() {
  local name="$1" model="$2" mode="$3" min_cos="$4" max_ratio="$5"; shift 5
  local d="$work/$name-$mode"; mkdir -p "$d/in" "$d/ort" "$d/sz0"
  local q="$d/q.onnx"
  if ! "$sz0" quantize "$model" -o "$q" --mode "$mode" >"$d/quantize.log" 2>&1; then
    echo "FAIL $name $mode: sz0 quantize: $(tail -1 "$d/quantize.log")"; fail=$((fail+1)); return
  fi
  if ! "$sz0" compare "$model" "$q" --json "$d/cmp.json" --iterations 1 >"$d/compare.log" 2>&1; then
    echo "FAIL $name $mode: sz0 compare: $(tail -1 "$d/compare.log")"; fail=$((fail+1)); return
  fi
  local m cos ratio; m=$(metrics "$d/cmp.json"); cos=${m% *}; ratio=${m#* }
  if ! "$py" -c "import sys; sys.exit(0 if $cos >= $min_cos and $ratio <= $max_ratio else 1)"; then
    echo "FAIL $name $mode: cosine $cos (need ≥ $min_cos), size ratio $ratio (need ≤ $max_ratio)"; fail=$((fail+1)); return
  fi
  if [ $have_ort = 1 ]; then
    node "$peers/ort.js" gen "$@" --seed 7 -o "$d/in" >/dev/null || { echo "FAIL $name: input generation"; fail=$((fail+1)); return; }
    local ins=() f out
    for f in "$d"/in/*.npy; do ins+=(-i "$(basename "$f" .npy)=$f"); done
    if ! node "$peers/ort.js" run "$q" "${ins[@]}" -o "$d/ort" >"$d/ort.log" 2>&1; then
      echo "FAIL $name $mode: ONNX Runtime on the converted model: $(tail -1 "$d/ort.log")"; fail=$((fail+1)); return
    fi
    if ! "$sz0" run "$q" "${ins[@]}" --threads 1 -o "$d/sz0" >"$d/sz0.log" 2>&1; then
      echo "FAIL $name $mode: sz0 run: $(tail -1 "$d/sz0.log")"; fail=$((fail+1)); return
    fi
    for out in "$d"/ort/*.npy; do
      if ! node "$peers/ort.js" compare "$d/sz0/$(basename "$out")" "$out" --min-cosine "$min_cos" >"$d/ortcmp.log" 2>&1; then
        echo "FAIL $name $mode: sz0 and ONNX Runtime disagree on $(basename "$out"): $(tail -1 "$d/ortcmp.log")"; fail=$((fail+1)); return
      fi
    done
  fi
  echo "PASS $name $mode: cosine $cos, size ratio $ratio"; pass=$((pass+1))
}

source "$(dirname "$0")/../zoo_inputs.sh"
listed=$("$sz0" zoo list | awk '{print $1}') || { echo "FAIL: sz0 zoo list"; exit 1; }
for name in $listed; do
  if [ -z "${zoo_inputs[$name]:-}" ]; then echo "FAIL $name: no input table entry in $(basename "$0")"; fail=$((fail+1)); continue; fi
  "$sz0" zoo export "$name" -o "$work/zoo_$name.onnx" --batch 1 >/dev/null || { echo "FAIL $name: sz0 zoo export"; fail=$((fail+1)); continue; }
  mapfile -t gen < <(zoo_gen_args "$name" 1)
  check "$name" "$work/zoo_$name.onnx" fp16 0.999 0.56 "${gen[@]}"
  check "$name" "$work/zoo_$name.onnx" bf16 0.99 0.56 "${gen[@]}"
done

echo "quantize: $pass passed, $fail failed$([ $have_ort = 1 ] || echo ' (ONNX Runtime not installed: its runs skipped)')"
[ $fail = 0 ] || exit 1
