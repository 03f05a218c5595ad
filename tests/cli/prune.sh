#!/usr/bin/env bash
# `sz0 prune` and `sz0 sparsity`: bad arguments fail cleanly and leave no file; every zoo model
# is pruned by magnitude (sparsity within 0.5% of the amount, by `sz0 sparsity --json`) and runs;
# structured pruning removes channels (and GRU/LSTM hidden units) from the CNN, sequence and transformer models (fewer
# parameters, valid models); 2:4 holds its pattern; reconstruction on DATA brings the outputs
# closer than the same pruning without it; and a structured-pruned model quantized to INT8
# runs. When ONNX Runtime is installed, every pruned (and the pruned-then-quantized) model also
# runs there and agrees with sz0 on it.
#   prune.sh SZ0_BINARY
set -uo pipefail
sz0="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0
py=/usr/bin/python3

source "$(dirname "$0")/expect.sh"
source "$(dirname "$0")/ort.sh"
source "$(dirname "$0")/../zoo_inputs.sh"

"$sz0" zoo export mlp -o "$work/mlp.onnx" --batch 1 >/dev/null || { echo "FAIL: sz0 zoo export mlp"; exit 1; }
e="$work/err_out.onnx"
expect missing_model 1 "$e" "$sz0" prune "$work/nope.onnx" -o "$e" --strategy magnitude --amount 0.5
echo "not a model" > "$work/corrupt.onnx"
expect corrupt_model 1 "$e" "$sz0" prune "$work/corrupt.onnx" -o "$e" --strategy magnitude --amount 0.5
expect bad_strategy 2 "$e" "$sz0" prune "$work/mlp.onnx" -o "$e" --strategy 4:2
expect no_strategy 2 "$e" "$sz0" prune "$work/mlp.onnx" -o "$e" --amount 0.5
expect no_amount 1 "$e" "$sz0" prune "$work/mlp.onnx" -o "$e" --strategy magnitude
expect amount_range 1 "$e" "$sz0" prune "$work/mlp.onnx" -o "$e" --strategy magnitude --amount 1.5
expect amount_vs_nm 1 "$e" "$sz0" prune "$work/mlp.onnx" -o "$e" --strategy 2:4 --amount 0.3
expect reconstruct_no_data 1 "$e" "$sz0" prune "$work/mlp.onnx" -o "$e" --strategy magnitude --amount 0.5 --reconstruct
expect unknown_node 1 "$e" "$sz0" prune "$work/mlp.onnx" -o "$e" --strategy magnitude --amount 0.5 --exclude-node nope
expect missing_calib 1 "$e" "$sz0" prune "$work/mlp.onnx" -o "$e" --strategy magnitude --amount 0.5 --calib "$work/no-data"
expect unwritable_output 1 "" "$sz0" prune "$work/mlp.onnx" -o /proc/sz0-nope/out.onnx --strategy magnitude --amount 0.5 --bench-iterations 0
expect sparsity_missing 1 "" "$sz0" sparsity "$work/nope.onnx"
expect help 0 "" "$sz0" prune --help
expect sparsity_help 0 "" "$sz0" sparsity --help
leftovers=$(find "$work" -name '*.tmp*' | wc -l)
if [ "$leftovers" != 0 ]; then echo "FAIL temporary files left behind: $leftovers"; fail=$((fail+1)); fi


# prune_check NAME MODEL CHECK_EXPR PRUNE_ARGS... : prunes, then CHECK_EXPR (Python, over the
# prune report `r` and the `sz0 sparsity --json` document `s`) must hold, and ONNX Runtime must
# agree with sz0 on the result. GEN holds the input generator arguments.
prune_check() {
  local name="$1" model="$2" check="$3"; shift 3
  local d="$work/$name"; mkdir -p "$d"
  if ! "$sz0" prune "$model" -o "$d/p.onnx" --report "$d/r.json" --bench-iterations 3 "$@" >"$d/log" 2>&1; then
    echo "FAIL $name: sz0 prune: $(tail -1 "$d/log")"; fail=$((fail+1)); return
  fi
  "$sz0" sparsity "$d/p.onnx" --json >"$d/s.json" 2>"$d/s.log" || { echo "FAIL $name: sz0 sparsity: $(tail -1 "$d/s.log")"; fail=$((fail+1)); return; }
  local ok
  ok=$("$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2])); print(1 if eval(sys.argv[3]) else 0)' "$d/r.json" "$d/s.json" "$check")
  if [ "$ok" != 1 ]; then
    echo "FAIL $name: $check does not hold: $(grep -E '^(parameters|sparsity|outputs|latency)' "$d/log" | tr '\n' ' ')"; fail=$((fail+1)); return
  fi
  ort_agrees "$name" "$d/p.onnx" 0.999 "${GEN[@]}" || { fail=$((fail+1)); return; }
  echo "PASS $name: $(grep -E '^(parameters|sparsity|latency)' "$d/log" | tr -s ' ' | tr '\n' ';')"; pass=$((pass+1))
}

listed=$("$sz0" zoo list | awk '{print $1}') || { echo "FAIL: sz0 zoo list"; exit 1; }
for name in $listed; do
  "$sz0" zoo export "$name" -o "$work/zoo_$name.onnx" --batch 1 >/dev/null || { echo "FAIL $name: sz0 zoo export"; fail=$((fail+1)); continue; }
  mapfile -t GEN < <(zoo_gen_args "$name" 1)
  # Sparsity over the weights that were pruned (layers below --min-params are skipped).
  prune_check "$name-magnitude" "$work/zoo_$name.onnx" \
    'abs(r["prunable"]["sparsity"] - 0.5) <= 0.005 and sum(l["zeros"] for l in s["layers"]) >= r["prunable"]["zeros"]' \
    --strategy magnitude --amount 0.5
done
mapfile -t GEN < <(zoo_gen_args resnet-s 1)
prune_check resnet-s-global "$work/zoo_resnet-s.onnx" 'abs(r["prunable"]["sparsity"] - 0.7) <= 0.005' \
  --strategy magnitude --amount 0.7 --scope global
prune_check resnet-s-random "$work/zoo_resnet-s.onnx" 'abs(r["prunable"]["sparsity"] - 0.4) <= 0.005' \
  --strategy random --amount 0.4 --seed 3
prune_check resnet-s-2:4 "$work/zoo_resnet-s.onnx" 'all(l["pattern_2_4"] for l in s["layers"] if l["parameters"] >= 1024)' \
  --strategy 2:4
for name in resnet-s mobilenet-s sentinel-tcn mlp sentinel-gru lstm-seq; do
  mapfile -t GEN < <(zoo_gen_args "$name" 1)
  prune_check "$name-structured" "$work/zoo_$name.onnx" \
    'r["parameters"]["after"] <= 0.8 * r["parameters"]["before"] and r["macs"]["after"] < r["macs"]["before"]' \
    --strategy structured --amount 0.3
done
# The transformer: the feed-forward inner channels and the residual stream (embedding columns,
# LayerNormalizations) are free; attention heads reach reshapes and stay.
mapfile -t GEN < <(zoo_gen_args transformer-s 1)
prune_check transformer-s-structured "$work/zoo_transformer-s.onnx" \
  'r["parameters"]["after"] <= 0.8 * r["parameters"]["before"] and r["channel_groups"]["pruned"] >= 5' \
  --strategy structured --amount 0.3

# Reconstruction on DATA: closer to the original than the same pruning without it.
data="$work/calib"; mkdir -p "$data"
for i in 0 1 2 3 4 5; do
  mkdir -p "$data/s$i"
  "$py" -c 'import numpy as np,sys; np.save(sys.argv[1], np.random.default_rng(int(sys.argv[2])).uniform(-1,1,(1,64,32)).astype(np.float32))' "$data/s$i/events.npy" "$i"
done
mapfile -t GEN < <(zoo_gen_args sentinel-tcn 1)
for strategy in magnitude structured; do
  prune_check "sentinel-tcn-$strategy-reconstructed" "$work/zoo_sentinel-tcn.onnx" \
    'r["reconstructed"] and r["accuracy"]["cosine"] > r["accuracy"]["without_reconstruction"]["cosine"]' \
    --strategy "$strategy" --amount 0.5 --calib "$data" --reconstruct
done
# GRU hidden units removed, the next layers re-fitted.
mapfile -t GEN < <(zoo_gen_args sentinel-gru 1)
prune_check sentinel-gru-structured-reconstructed "$work/zoo_sentinel-gru.onnx" \
  'r["reconstructed"] and r["accuracy"]["cosine"] > r["accuracy"]["without_reconstruction"]["cosine"]' \
  --strategy structured --amount 0.3 --calib "$data" --reconstruct

# Prune, then quantize: the INT8 model of a pruned network runs (and in ONNX Runtime).
mapfile -t GEN < <(zoo_gen_args resnet-s 1)
if "$sz0" quantize "$work/resnet-s-structured/p.onnx" -o "$work/pq.onnx" --mode int8-static >"$work/pq.log" 2>&1 &&
   ort_agrees prune-quantize "$work/pq.onnx" 0.98 "${GEN[@]}"; then
  echo "PASS prune then quantize"; pass=$((pass+1))
else
  echo "FAIL prune then quantize: $(tail -1 "$work/pq.log")"; fail=$((fail+1))
fi

echo "prune: $pass passed, $fail failed$([ $have_ort = 1 ] || echo ' (ONNX Runtime not installed: its runs skipped)')"
[ $fail = 0 ] || exit 1
