#!/usr/bin/env bash
# Times models in sz0 and ONNX Runtime on the same inputs, thread count and machine, in one run,
# and prints the ratio of medians (sz0 / ONNX Runtime: below 1 means sz0 is faster).
#   bench/compare_ort.sh [--threads N] [--iterations N] [--repeat R] [MODEL:SHAPES ...]
# SHAPES is a comma-separated list of ort.js gen specs, e.g. x=1x3x224x224 or sr=scalar:int64=16000.
# Without models it times every zoo model (exported at batch 1 into build/zoo) and the public models
# of scripts/fetch-models.sh at several input sizes. Columns: both medians, their ratio, and sz0's
# session creation time.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
sz0="${SZ0:-$here/build/sz0}"
peers="${SZ0_PEERS:-$here/../shared/peers}"
models="${SZ0_MODELS_DIR:-$HOME/.cache/sz0-models}"
threads=1; iterations=200; repeat=3
specs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --iterations) iterations="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    *) specs+=("$1"); shift ;;
  esac
done
if [ ${#specs[@]} = 0 ]; then
  zoo="$here/build/zoo"; mkdir -p "$zoo"
  source "$here/tests/zoo_inputs.sh"
  for m in sentinel-gru sentinel-tcn mlp lstm-seq mobilenet-s resnet-s transformer-s; do
    "$sz0" zoo export "$m" -o "$zoo/$m.onnx" --batch 1 >/dev/null
    spec=""
    for s in ${zoo_inputs[$m]}; do spec+="${spec:+,}${s%%=*}=1x${s#*=}"; done
    specs+=("$zoo/$m.onnx:$spec")
  done
  specs+=("$models/silero_vad.onnx:input=1x512,sr=scalar:int64=16000,h=2x1x64,c=2x1x64"
          "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx:x=1x3x48x192"
          "$models/ch_PP-OCRv4_det_infer.onnx:x=1x3x160x160"
          "$models/ch_PP-OCRv4_det_infer.onnx:x=1x3x320x320"
          "$models/ch_PP-OCRv4_rec_infer.onnx:x=1x3x48x160"
          "$models/ch_PP-OCRv4_rec_infer.onnx:x=1x3x48x320")
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
printf "%-44s %8s %12s %12s %8s %12s\n" model threads "sz0 ms" "ort ms" ratio "create ms"
logsum=0; count=0
for spec in "${specs[@]}"; do
  model="${spec%%:*}"; shapes="${spec#*:}"
  [ -f "$model" ] || { echo "skip $model (missing)"; continue; }
  gen=(); IFS=',' read -ra parts <<<"$shapes"
  for p in "${parts[@]}"; do
    name="${p%%=*}"; rest="${p#*=}"
    if [[ "$rest" == *=* ]]; then gen+=(--shape "$name=${rest%=*}" --value "$name=${rest##*=}"); else gen+=(--shape "$name=$rest"); fi
  done
  rm -rf "$work/in"; node "$peers/ort.js" gen "${gen[@]}" --seed 3 -o "$work/in" >/dev/null
  ins=(); for f in "$work"/in/*.npy; do ins+=(-i "$(basename "$f" .npy)=$f"); done
  best_s=""; best_o=""; create=""
  for r in $(seq "$repeat"); do  # alternate the two, keep each one's best median
    "$sz0" bench "$model" "${ins[@]}" --threads "$threads" --iterations "$iterations" --warmup 20 --json "$work/s.json" >/dev/null
    node "$peers/ort.js" bench "$model" "${ins[@]}" --threads "$threads" --iterations "$iterations" --warmup 20 --json "$work/o.json" >/dev/null
    s=$(/usr/bin/python3 -c "import json;print(json.load(open('$work/s.json'))['latency_ms']['median'])")
    create=$(/usr/bin/python3 -c "import json;print(f\"{json.load(open('$work/s.json'))['session_create_ms']:.1f}\")")
    o=$(/usr/bin/python3 -c "import json;print(json.load(open('$work/o.json'))['latency_ms']['median'])")
    best_s=$(/usr/bin/python3 -c "print(min(x for x in [$s, ${best_s:-1e30}]))")
    best_o=$(/usr/bin/python3 -c "print(min(x for x in [$o, ${best_o:-1e30}]))")
  done
  ratio=$(/usr/bin/python3 -c "print(f'{$best_s/$best_o:.2f}')")
  logsum=$(/usr/bin/python3 -c "import math;print($logsum + math.log($best_s/$best_o))"); count=$((count+1))
  label="$(basename "$model" .onnx) ${shapes%%,*}"
  printf "%-44s %8s %12.3f %12.3f %8s %12s\n" "${label:0:44}" "$threads" "$best_s" "$best_o" "$ratio" "$create"
done
[ $count -gt 0 ] && /usr/bin/python3 -c "import math;print(f'geometric mean ratio: {math.exp($logsum/$count):.2f} over $count models')"
