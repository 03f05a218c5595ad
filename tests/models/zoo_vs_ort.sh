#!/usr/bin/env bash
# Every zoo model: exported with `sz0 zoo export`, accepted by ONNX's checker, then run by ONNX
# Runtime and by `sz0 run` on the same inputs at batch 1 and 4 (one file with a symbolic batch
# axis) and from a file exported with --batch 2. Outputs must match within 1e-3 absolute + 1e-2
# relative. Exit 77 (skipped) when ONNX Runtime is not installed.
#   zoo_vs_ort.sh SZ0_BINARY
set -uo pipefail
sz0="$1"
here="$(cd "$(dirname "$0")" && pwd)"
peers="${SZ0_PEERS:-$here/../../../shared/peers}"
ort_dir="${SZ0_PEERS_DIR:-$HOME/.cache/sz0-peers}"
python="${SZ0_PYTHON:-/usr/bin/python3}"
if [ ! -f "$peers/ort.js" ] || [ ! -d "$ort_dir/node_modules/onnxruntime-node" ]; then
  echo "ONNX Runtime peer not installed (run ../shared/peers/setup.sh): skipped"; exit 77
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0

source "$(dirname "$0")/../zoo_inputs.sh"

# compare_once NAME MODEL BATCH
compare_once() {
  local name="$1" model="$2" batch="$3"
  local d="$work/$name/b$batch"; mkdir -p "$d/in" "$d/ort" "$d/sz0"
  local gen
  mapfile -t gen < <(zoo_gen_args "$name" "$batch")
  node "$peers/ort.js" gen "${gen[@]}" --seed 7 -o "$d/in" >/dev/null || { echo "FAIL $name b$batch: input generation"; return 1; }
  local ins=() f
  for f in "$d"/in/*.npy; do ins+=(-i "$(basename "$f" .npy)=$f"); done
  if ! node "$peers/ort.js" run "$model" "${ins[@]}" -o "$d/ort" >"$d/ort.log" 2>&1; then
    echo "FAIL $name b$batch: ONNX Runtime could not run it: $(tail -1 "$d/ort.log")"; return 1
  fi
  if ! "$sz0" run "$model" "${ins[@]}" --threads 1 -o "$d/sz0" >"$d/sz0.log" 2>&1; then
    echo "FAIL $name b$batch: sz0 run: $(tail -1 "$d/sz0.log")"; return 1
  fi
  local ok=0 out res
  for out in "$d"/ort/*.npy; do
    res=$(node "$peers/ort.js" compare "$d/sz0/$(basename "$out")" "$out" --atol 1e-3 --rtol 1e-2 2>&1) || ok=1
    echo "     $name batch $batch $(basename "$out" .npy): $res"
  done
  return $ok
}

# Every model `sz0 zoo list` knows must be covered here.
listed=$("$sz0" zoo list | awk '{print $1}') || { echo "FAIL: sz0 zoo list"; exit 1; }
for name in $listed; do
  [ -n "${zoo_inputs[$name]:-}" ] || { echo "FAIL $name: no input table entry in $(basename "$0")"; fail=$((fail+1)); }
done

for name in $listed; do
  [ -n "${zoo_inputs[$name]:-}" ] || continue
  mkdir -p "$work/$name"
  dyn="$work/$name/dynamic.onnx"; fixed="$work/$name/fixed2.onnx"
  if ! "$sz0" zoo export "$name" -o "$dyn" >/dev/null || ! "$sz0" zoo export "$name" -o "$fixed" --batch 2 >/dev/null; then
    echo "FAIL $name: sz0 zoo export"; fail=$((fail+1)); continue
  fi
  if ! "$python" -c "import onnx, sys
for p in sys.argv[1:]: onnx.checker.check_model(onnx.load(p))" "$dyn" "$fixed" 2>"$work/$name/checker.log"; then
    echo "FAIL $name: onnx.checker: $(tail -1 "$work/$name/checker.log")"; fail=$((fail+1)); continue
  fi
  ok=1
  compare_once "$name" "$dyn" 1 || ok=0
  compare_once "$name" "$dyn" 4 || ok=0
  compare_once "$name" "$fixed" 2 || ok=0
  if [ $ok = 1 ]; then echo "PASS $name"; pass=$((pass+1)); else echo "FAIL $name"; fail=$((fail+1)); fi
done

echo "zoo models: $pass passed, $fail failed"
[ $fail = 0 ]
