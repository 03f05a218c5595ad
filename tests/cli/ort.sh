# Sourced by the CLI tests: ONNX Runtime (../shared/peers) as a second opinion. Needs $sz0 and
# $work; sets $have_ort.
here_ort="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="${SZ0_PEERS:-$here_ort/../../../shared/peers}"
ort_dir="${SZ0_PEERS_DIR:-$HOME/.cache/sz0-peers}"
have_ort=0
if [ -f "$peers/ort.js" ] && [ -d "$ort_dir/node_modules/onnxruntime-node" ]; then have_ort=1; fi

# ort_agrees NAME MODEL MIN_COSINE GEN_ARGS...: sz0 and ONNX Runtime run MODEL on the same
# generated inputs (ort.js gen GEN_ARGS) and every output agrees to MIN_COSINE. Prints
# "FAIL NAME: ..." and returns 1 otherwise; returns 0 at once without ONNX Runtime.
ort_agrees() {
  local name="$1" model="$2" min_cos="$3"; shift 3
  [ $have_ort = 1 ] || return 0
  local d="$work/ort-${name// /_}"; mkdir -p "$d/in" "$d/ort" "$d/sz0"
  node "$peers/ort.js" gen "$@" --seed 7 -o "$d/in" >/dev/null || { echo "FAIL $name: input generation"; return 1; }
  local ins=() f out
  for f in "$d"/in/*.npy; do ins+=(-i "$(basename "$f" .npy)=$f"); done
  local rc=0
  node "$peers/ort.js" run "$model" "${ins[@]}" -o "$d/ort" >"$d/ort.log" 2>&1 || rc=$?
  # A run that dies without a word (seen once under full load: the process, not the model) is
  # tried once more; a model error always prints its reason and is not retried.
  if [ $rc != 0 ] && [ ! -s "$d/ort.log" ]; then
    rc=0; node "$peers/ort.js" run "$model" "${ins[@]}" -o "$d/ort" >"$d/ort.log" 2>&1 || rc=$?
  fi
  if [ $rc != 0 ]; then
    echo "FAIL $name: ONNX Runtime on $(basename "$model") (exit $rc): $(tail -1 "$d/ort.log")"; return 1
  fi
  "$sz0" run "$model" "${ins[@]}" --threads 1 -o "$d/sz0" >"$d/sz0.log" 2>&1 || { echo "FAIL $name: sz0 run: $(tail -1 "$d/sz0.log")"; return 1; }
  for out in "$d"/ort/*.npy; do
    if ! node "$peers/ort.js" compare "$d/sz0/$(basename "$out")" "$out" --min-cosine "$min_cos" >"$d/cmp.log" 2>&1; then
      echo "FAIL $name: sz0 and ONNX Runtime disagree on $(basename "$out"): $(tail -1 "$d/cmp.log")"; return 1
    fi
  done
}
