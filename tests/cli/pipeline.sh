#!/usr/bin/env bash
# `sz0 pipeline`: bad arguments and recipes fail with one line and write nothing; the automatic
# search on sentinel-gru with event data writes the reports and the variants, and its chosen
# variant meets its gate again under `sz0 compare` and runs in ONNX Runtime (when installed);
# a recipe runs its steps and names each model by what was done; a failed gate stops the run
# with the step, the metric and the threshold, keeping the earlier models and writing no later.
#   pipeline.sh SZ0_BINARY
set -uo pipefail
sz0="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0
py=/usr/bin/python3

source "$(dirname "$0")/expect.sh"
source "$(dirname "$0")/ort.sh"
source "$(dirname "$0")/../zoo_inputs.sh"

check() {  # check NAME CONDITION_OUTPUT(1/0) DETAIL
  if [ "$2" = 1 ] || [ "$2" = True ]; then echo "PASS $1"; pass=$((pass+1)); else echo "FAIL $1: $3"; fail=$((fail+1)); fi
}

m="$work/sentinel-gru.onnx"
"$sz0" zoo export sentinel-gru -o "$m" >/dev/null || { echo "FAIL: sz0 zoo export"; exit 1; }
"$sz0" zoo data sentinel -o "$work/ev" --samples 32 --seed 3 >/dev/null || { echo "FAIL: sz0 zoo data"; exit 1; }
# The held-out half the pipeline evaluates on (the first half calibrates), for re-checking.
mkdir -p "$work/held"
for d in "$work"/ev/sample_000{16..31}; do ln -s "$d" "$work/held/"; done

# Errors: one line, exit 1, no output directory.
o="$work/err-out"
expect neither_mode 1 "$o" "$sz0" pipeline "$m" -o "$o"
expect both_modes 1 "$o" "$sz0" pipeline "$m" --auto --recipe "$work/r.yaml" -o "$o"
expect missing_model 1 "$o" "$sz0" pipeline "$work/nope.onnx" --auto -o "$o"
echo "not a model" > "$work/corrupt.onnx"
expect corrupt_model 1 "$o" "$sz0" pipeline "$work/corrupt.onnx" --auto -o "$o" -q
expect missing_recipe 1 "$o" "$sz0" pipeline "$m" --recipe "$work/nope.yaml" -o "$o"
printf 'steps:\n  - quantize: {mode: int8-static, methd: mse}\n' > "$work/typo.yaml"
expect recipe_typo 1 "$o" "$sz0" pipeline "$m" --recipe "$work/typo.yaml" -o "$o"
printf 'steps: [{quantize: {mode: fp16}\n' > "$work/broken.yaml"
expect recipe_not_yaml 1 "$o" "$sz0" pipeline "$m" --recipe "$work/broken.yaml" -o "$o"
expect missing_data 1 "$o" "$sz0" pipeline "$m" --auto --data "$work/no-data" -o "$o" -q
expect accuracy_gate_without_labels 1 "$o" "$sz0" pipeline "$m" --auto --max-accuracy-drop 0.01 -o "$o" -q
expect bad_budget 1 "$o" "$sz0" pipeline "$m" --auto --latency-budget -1 -o "$o" -q
expect shape_with_data 1 "$o" "$sz0" pipeline "$m" --auto --data "$work/ev" --shape events=1x8x32 -o "$o" -q
expect shape_unknown_input 1 "$o" "$sz0" pipeline "$m" --auto --shape nope=1x8x32 -o "$o" -q
expect help 0 "" "$sz0" pipeline --help

# Automatic search: reports, at least three variants, the choice re-checked.
a="$work/auto"
if "$sz0" pipeline "$m" --auto --data "$work/ev" --labels "$work/ev/labels.csv" --min-cosine 0.99 --min-top1 0.9 -o "$a" \
     --iterations 40 --rounds 4 >"$work/auto.log" 2>&1; then
  echo "PASS auto: $(grep '^Chosen' "$work/auto.log" | cut -c1-160)"; pass=$((pass+1))
  for f in report.md report.html pipeline.json; do check "auto writes $f" "$([ -s "$a/$f" ] && echo 1)" "missing"; done
  variants=$(ls "$a"/*.onnx | wc -l)
  check "auto writes ≥ 3 variants ($variants)" "$([ "$variants" -ge 3 ] && echo 1)" "only $variants"
  chosen=$(json "$a/pipeline.json" 'j["chosen_path"]')
  check "auto chose a written file" "$([ -f "$chosen" ] && echo 1)" "$chosen"
  check "auto report has the frontier chart" "$(grep -c 'data-chart="frontier"' "$a/report.html")" "no chart"
  check "auto variants cover the modes" "$(json "$a/pipeline.json" \
    'int({"opt","fp16","bf16","int8-dynamic","int8-static-entropy","structured-0.5-refit"} <= {v["name"] for v in j["variants"]})')" \
    "$(json "$a/pipeline.json" '[v["name"] for v in j["variants"]]')"
  if "$sz0" compare "$m" "$chosen" --data "$work/held" --json "$work/recheck.json" --iterations 3 >/dev/null 2>"$work/recheck.log"; then
    check "chosen variant meets min_cosine 0.99 and min_top1 0.9 under sz0 compare on the held-out half" \
      "$(json "$work/recheck.json" 'int(min(o["cosine"] for o in j["outputs"]) >= 0.99 and min(o.get("top1_agreement", 1) for o in j["outputs"]) >= 0.9)')" \
      "$(json "$work/recheck.json" '[(o["cosine"], o.get("top1_agreement")) for o in j["outputs"]]')"
  else
    echo "FAIL sz0 compare on the chosen variant: $(tail -1 "$work/recheck.log")"; fail=$((fail+1))
  fi
  mapfile -t GEN < <(zoo_gen_args sentinel-gru 1)
  if [ $have_ort = 1 ]; then
    if ort_agrees auto-chosen "$chosen" 0.999 "${GEN[@]}"; then echo "PASS chosen variant runs in ONNX Runtime and agrees"; pass=$((pass+1)); else fail=$((fail+1)); fi
  fi
else
  echo "FAIL auto: $(tail -1 "$work/auto.log")"; fail=$((fail+1))
fi

# A recipe (JSON this time) that meets its gates: one model per step, named by what was done.
r="$work/recipe"
cat > "$work/ok.json" <<EOF
{"data": "ev", "gates": {"min_cosine": 0.99},
 "steps": [{"prune": {"strategy": "structured", "amount": 0.3, "reconstruct": true}},
           {"quantize": {"mode": "int8-static", "method": "mse"}},
           {"benchmark": {"iterations": 20, "batch": [1, 2]}}]}
EOF
if "$sz0" pipeline "$m" --recipe "$work/ok.json" -o "$r" --iterations 20 --rounds 2 -q >"$work/recipe.log" 2>&1; then
  check "recipe step models" "$([ -f "$r/sentinel-gru.structured-0.3-refit.onnx" ] && [ -f "$r/sentinel-gru.structured-0.3-refit.int8-static-mse.onnx" ] && echo 1)" "$(ls "$r")"
  check "recipe chose its last model" "$(json "$r/pipeline.json" 'int(j["chosen"] == "structured-0.3-refit + int8-static-mse")')" "$(json "$r/pipeline.json" 'j["chosen"]')"
  check "recipe benchmark step swept batches" "$(json "$r/pipeline.json" 'int([b["batch"] for b in j["variants"][-1]["benchmark"]["batches"]] == [1, 2])')" "no sweep"
else
  echo "FAIL recipe: $(tail -1 "$work/recipe.log")"; fail=$((fail+1))
fi

# A failed gate: step 2 stops the run; step 1's model stays and is valid; no later model.
g="$work/gated"
cat > "$work/gated.yaml" <<EOF
data: ev
labels: ev/labels.csv
gates: {min_cosine: 0.9}
steps:
  - prune: {strategy: structured, amount: 0.3, reconstruct: true}
  - prune: {strategy: magnitude, amount: 0.9}
    gates: {min_cosine: 0.995}
  - quantize: {mode: fp16}
EOF
"$sz0" pipeline "$m" --recipe "$work/gated.yaml" -o "$g" --iterations 10 --rounds 1 -q >"$work/gated.out" 2>"$work/gated.err"
rc=$?
check "failed gate exits 1" "$([ $rc = 1 ] && echo 1)" "exit $rc"
check "failed gate: one line naming step, metric and threshold" \
  "$([ "$(wc -l <"$work/gated.err")" = 1 ] && grep -q "step 2 (prune magnitude-0.9): gate failed: cosine 0\.[0-9]* < min_cosine 0.995" "$work/gated.err" && echo 1)" \
  "$(cat "$work/gated.err")"
check "failed gate keeps step 1's model" "$("$sz0" check "$g/sentinel-gru.structured-0.3-refit.onnx" >/dev/null 2>&1 && echo 1)" "$(ls "$g")"
check "failed gate writes no later model" "$([ "$(ls "$g"/*.onnx | wc -l)" = 1 ] && echo 1)" "$(ls "$g")"
check "failed gate is in the report" "$(grep -c 'Stopped' "$g/report.md")" "no mention"
leftovers=$(find "$work" -name '*.tmp*' | wc -l)
check "no temporary files left" "$([ "$leftovers" = 0 ] && echo 1)" "$leftovers"

echo "pipeline: $pass passed, $fail failed"
[ "$fail" = 0 ]
