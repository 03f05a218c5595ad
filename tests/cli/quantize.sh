#!/usr/bin/env bash
# `sz0 quantize` and `sz0 compare`: bad arguments fail cleanly and leave no file; every zoo model
# is converted to fp16, bf16, int8-dynamic and int8-static, runs in sz0, stays close to the float
# model (cosine per output by `sz0 compare --json`: fp16 ≥ 0.999, bf16 ≥ 0.99, int8 ≥ 0.98) and
# is at most a given share of the float file's size. When ONNX Runtime is installed, each
# converted model also runs there and agrees with sz0 on it. A calibration cache written by one
# run gives the same model when reused; DATA with labels gives accuracy in `sz0 compare`.
#   quantize.sh SZ0_BINARY
set -uo pipefail
sz0="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0
py=/usr/bin/python3

source "$(dirname "$0")/expect.sh"
source "$(dirname "$0")/ort.sh"

"$sz0" zoo export mlp -o "$work/mlp.onnx" --batch 1 >/dev/null || { echo "FAIL: sz0 zoo export mlp"; exit 1; }
e="$work/err_out.onnx"
expect missing_model 1 "$e" "$sz0" quantize "$work/nope.onnx" -o "$e" --mode fp16
expect bad_mode 2 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode fp8
expect no_mode 2 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e"
expect bad_method 2 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode int8-static --method kl
expect bad_percentile 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode int8-static --method percentile --percentile 0
expect all_excluded 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode int8-static --exclude-op Gemm,MatMul
if ! grep -q "nothing to quantize" "$work/stderr"; then echo "FAIL all_excluded message: $(cat "$work/stderr")"; fail=$((fail+1)); fi
echo "not json" > "$work/bad_cache.json"
expect corrupt_cache 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode int8-static --calib-cache "$work/bad_cache.json"
expect cache_not_static 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode int8-dynamic --calib-cache "$work/c.json"
expect auto_exclude_fp16 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode fp16 --auto-exclude
expect bad_keep_io 2 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode fp16 --keep-io-types maybe
expect missing_calib 1 "$e" "$sz0" quantize "$work/mlp.onnx" -o "$e" --mode fp16 --calib "$work/no-data"
expect unwritable_output 1 "" "$sz0" quantize "$work/mlp.onnx" -o /proc/sz0-nope/out.onnx --mode fp16
expect compare_missing 1 "" "$sz0" compare "$work/mlp.onnx" "$work/nope.onnx"
expect help 0 "" "$sz0" quantize --help
expect compare_help 0 "" "$sz0" compare --help
leftovers=$(find "$work" -name '*.tmp*' | wc -l)
if [ "$leftovers" != 0 ]; then echo "FAIL temporary files left behind: $leftovers"; fail=$((fail+1)); fi

# Reads `sz0 compare --json` output: prints "min_cosine size_ratio" .
metrics() {
  "$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(min(o["cosine"] for o in j["outputs"]), j["file_size_ratio"])' "$1"
}

# check NAME MODEL MODE MIN_COSINE MAX_SIZE_RATIO GEN_ARGS...
check() {
  local name="$1" model="$2" mode="$3" min_cos="$4" max_ratio="$5"; shift 5
  local d="$work/$name-$mode"; mkdir -p "$d"
  local q="$d/q.onnx"
  if ! "$sz0" quantize "$model" -o "$q" --mode "$mode" ${QARGS:-} >"$d/quantize.log" 2>&1; then
    echo "FAIL $name $mode: sz0 quantize: $(tail -1 "$d/quantize.log")"; fail=$((fail+1)); return
  fi
  if ! "$sz0" compare "$model" "$q" --json "$d/cmp.json" --iterations 1 >"$d/compare.log" 2>&1; then
    echo "FAIL $name $mode: sz0 compare: $(tail -1 "$d/compare.log")"; fail=$((fail+1)); return
  fi
  local m cos ratio; m=$(metrics "$d/cmp.json"); cos=${m% *}; ratio=${m#* }
  if ! "$py" -c "import sys; sys.exit(0 if $cos >= $min_cos and $ratio <= $max_ratio else 1)"; then
    echo "FAIL $name $mode: cosine $cos (need ≥ $min_cos), size ratio $ratio (need ≤ $max_ratio)"; fail=$((fail+1)); return
  fi
  ort_agrees "$name $mode" "$q" "$min_cos" "$@" || { fail=$((fail+1)); return; }
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
  # INT8 weights are a quarter of the float ones; the file shrinks as far as the quantized ops
  # hold the weights (GRU/LSTM and embedding tables stay float).
  ratio=1.0
  case "$name" in resnet-s|mobilenet-s|mlp|sentinel-tcn) ratio=0.35 ;; esac
  check "$name" "$work/zoo_$name.onnx" int8-dynamic 0.98 1.0 "${gen[@]}"
  check "$name" "$work/zoo_$name.onnx" int8-static 0.98 "$ratio" "${gen[@]}"
done

# Calibration DATA (8 samples), every method, the cache reused, QOperator, labels in compare.
data="$work/calib"; mkdir -p "$data"
for i in 0 1 2 3 4 5 6 7; do
  mkdir -p "$data/s$i"
  "$py" -c 'import numpy as np,sys; np.save(sys.argv[1], np.random.default_rng(int(sys.argv[2])).uniform(-1,1,(1,3,160,160)).astype(np.float32))' "$data/s$i/image.npy" "$i"
done
"$sz0" zoo export mobilenet-s -o "$work/mb.onnx" --batch 1 >/dev/null
for method in minmax percentile entropy mse; do
  QARGS="--calib $data --method $method --calib-cache $work/cache_$method.json" \
    check mobilenet-s-$method "$work/mb.onnx" int8-static 0.98 0.35 --shape image=1x3x160x160
  QARGS="--calib-cache $work/cache_$method.json" check mobilenet-s-$method-cached "$work/mb.onnx" int8-static 0.98 0.35 --shape image=1x3x160x160
  if ! cmp -s "$work/mobilenet-s-$method-int8-static/q.onnx" "$work/mobilenet-s-$method-cached-int8-static/q.onnx"; then
    echo "FAIL $method: the model from the reused cache differs"; fail=$((fail+1))
  fi
done
QARGS="--calib $data --format qoperator" check mobilenet-s-qoperator "$work/mb.onnx" int8-static 0.98 0.35 --shape image=1x3x160x160
for i in 0 1 2 3 4 5 6 7; do echo $((i % 3)); done > "$work/labels.txt"
if "$sz0" compare "$work/mb.onnx" "$work/mobilenet-s-minmax-int8-static/q.onnx" --data "$data" --labels "$work/labels.txt" \
     --iterations 1 --json "$work/acc.json" >"$work/acc.log" 2>&1 && grep -q '"accuracy"' "$work/acc.json"; then
  echo "PASS compare --labels"; pass=$((pass+1))
else
  echo "FAIL compare --labels: $(tail -1 "$work/acc.log")"; fail=$((fail+1))
fi
echo 1 > "$work/short_labels.txt"
expect labels_short 1 "" "$sz0" compare "$work/mb.onnx" "$work/mb.onnx" --data "$data" --labels "$work/short_labels.txt" --iterations 1

echo "quantize: $pass passed, $fail failed$([ $have_ort = 1 ] || echo ' (ONNX Runtime not installed: its runs skipped)')"
[ $fail = 0 ] || exit 1
