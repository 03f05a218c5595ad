#!/usr/bin/env bash
# `sz0 bench`: the JSON contract (latency keys, min <= median <= p95 <= p99 <= max, memory keys),
# peak RSS against the kernel's own figure (GNU time's maximum resident set, within 10%), the
# per-request CSV, concurrency over one shared session and over one session each, batch sweeps,
# the batch search (its choice is a batch it measured within the budget; no speed asserted),
# a side-by-side comparison with fidelity on DATA, Markdown and HTML reports (the page
# rendered in headless Chromium when one is installed), and clean failures on bad arguments.
#   bench.sh SZ0_BINARY
set -uo pipefail
sz0="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0
py=/usr/bin/python3
here="$(dirname "$0")"

source "$here/expect.sh"

check() {  # check NAME PYTHON_EXPRESSION_FILE...: runs python, which exits non-zero with a message on failure
  local name="$1"; shift
  if out=$("$py" "$@" 2>&1); then echo "PASS $name${out:+: $out}"; pass=$((pass+1)); else echo "FAIL $name: $out"; fail=$((fail+1)); fi
}

"$sz0" zoo export sentinel-gru -o "$work/gru.onnx" >/dev/null || { echo "FAIL: zoo export"; exit 1; }
"$sz0" zoo export mlp -o "$work/mlp.onnx" >/dev/null || { echo "FAIL: zoo export"; exit 1; }
"$sz0" zoo data sentinel -o "$work/data" --samples 8 >/dev/null || { echo "FAIL: zoo data"; exit 1; }
"$sz0" quantize "$work/gru.onnx" -o "$work/gru_q.onnx" --mode int8-dynamic >/dev/null || { echo "FAIL: quantize"; exit 1; }

# --- errors: one line, exit 1 (data) or 2 (usage), nothing written
expect missing_model 1 "$work/e.json" "$sz0" bench "$work/nope.onnx" --json "$work/e.json"
expect budget_without_find 2 "$work/e.json" "$sz0" bench "$work/mlp.onnx" --latency-budget 5 --json "$work/e.json"
expect find_without_budget 2 "$work/e.json" "$sz0" bench "$work/mlp.onnx" --find-batch --json "$work/e.json"
expect bad_report_ext 2 "$work/e.txt" "$sz0" bench "$work/mlp.onnx" --report "$work/e.txt"
expect bad_batch 1 "$work/e.json" "$sz0" bench "$work/mlp.onnx" --batch 2,x --iterations 2 --json "$work/e.json"
expect bad_concurrency 2 "$work/e.json" "$sz0" bench "$work/mlp.onnx" --concurrency 0 --json "$work/e.json"
expect missing_data 1 "$work/e.json" "$sz0" bench "$work/gru.onnx" "$work/gru_q.onnx" --data "$work/nodata" --json "$work/e.json"
expect unwritable_report 1 "" "$sz0" bench "$work/mlp.onnx" --iterations 2 --report /proc/sz0-nope/r.html

# --- one model: JSON contract, memory against GNU time, CSV, reports
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "%M" -o "$work/maxrss" "$sz0" bench "$work/gru.onnx" --iterations 300 --warmup 20 --threads 1 \
    --json "$work/one.json" --export-times "$work/times.csv" --report "$work/one.html" >"$work/one.log" 2>&1
else
  "$sz0" bench "$work/gru.onnx" --iterations 300 --warmup 20 --threads 1 --json "$work/one.json" \
    --export-times "$work/times.csv" --report "$work/one.html" >"$work/one.log" 2>&1
fi
check one_model_json - "$work/one.json" "$work/maxrss" <<'EOF'
import json, os, sys
j = json.load(open(sys.argv[1]))
l = j["latency_ms"]
for k in ["mean", "median", "p90", "p95", "p99", "min", "max", "std", "p99_9", "median_ci95"]:
    assert k in l, f"latency_ms lacks {k}"
assert l["min"] <= l["median"] <= l["p95"] <= l["p99"] <= l["max"], f"order broken: {l}"
assert l["median_ci95"][0] <= l["median"] <= l["median_ci95"][1], "median outside its CI"
assert l["count"] == 300 and j["iterations"] == 300
assert j["throughput_qps"] > 0
m = j["memory"]
for k in ["peak_rss_mb", "rss_growth_mb", "arena_mb", "weights_mb"]:
    assert k in m, f"memory lacks {k}"
assert m["weights_mb"] > 0 and m["arena_mb"] > 0
assert j["session_create_ms"] > 0 and j["first_inference_ms"] > 0
assert j["gpu"]["available"] in (True, False) and (j["gpu"]["available"] or j["gpu"]["reason"])
s = j["system"]
assert s["cpu_model"] and s["isa"] and s["onednn_version"] and s["physical_cores"] >= 1
msg = f"median {l['median']:.3f} ms, peak RSS {m['peak_rss_mb']:.1f} MB"
if os.path.exists(sys.argv[2]):
    kernel_mb = int(open(sys.argv[2]).read().split()[-1]) / 1024
    assert abs(m["peak_rss_mb"] - kernel_mb) <= 0.1 * kernel_mb, f"peak RSS {m['peak_rss_mb']:.1f} MB vs {kernel_mb:.1f} MB"
    msg += f" (kernel: {kernel_mb:.1f} MB)"
print(msg)
EOF
check times_csv - "$work/times.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 300, f"{len(rows)} rows"
assert all(float(r["latency_ms"]) > 0 for r in rows)
EOF

# --- concurrency: one shared session, then one session each
"$sz0" bench "$work/mlp.onnx" --iterations 60 --concurrency 2 --json "$work/c.json" >/dev/null 2>&1
"$sz0" bench "$work/mlp.onnx" --iterations 60 --concurrency 2 --sessions --json "$work/cs.json" >/dev/null 2>&1
check concurrency - "$work/c.json" "$work/cs.json" <<'EOF'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["concurrency"] == 2 and a["sessions"] == 1 and a["threads"] == 1, a
assert b["concurrency"] == 2 and b["sessions"] == 2, b
assert a["latency_ms"]["count"] == 60 and b["latency_ms"]["count"] == 60
EOF

# --- batch sweep and batch search
"$sz0" bench "$work/mlp.onnx" --iterations 20 --threads 1 --batch 1,2,4 --json "$work/b.json" >/dev/null 2>&1
check batch_sweep - "$work/b.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
assert [p["batch"] for p in j["batches"]] == [1, 2, 4], j.get("batches")
assert all(p["throughput_qps"] > 0 and p["latency_ms"]["p95"] > 0 for p in j["batches"])
EOF
budget=$("$py" -c "import json,sys; print(round(max(4 * json.load(open(sys.argv[1]))['batches'][0]['latency_ms']['p95'], 0.5), 3))" "$work/b.json")
"$sz0" bench "$work/mlp.onnx" --iterations 30 --threads 1 --find-batch --latency-budget "$budget" --max-batch 64 \
  --json "$work/f.json" >/dev/null 2>&1
check find_batch - "$work/f.json" "$budget" <<'EOF'
import json, sys
j, budget = json.load(open(sys.argv[1])), float(sys.argv[2])
fb = j["find_batch"]
for k in ["batch", "p95_ms", "throughput_qps"]:
    assert k in fb, f"find_batch lacks {k}"
assert fb["batch"] >= 1, f"no batch within {budget} ms: {j.get('batches')}"
assert fb["p95_ms"] <= budget
# No speed is asserted (a re-run on a shared machine measures something else): the chosen batch
# is one the search measured, and the batches it measured grew until one missed the budget.
tried = j["batches"]
assert any(b["batch"] == fb["batch"] for b in tried), f"batch {fb['batch']} not among {[b['batch'] for b in tried]}"
assert any(b["latency_ms"]["p95"] > budget for b in tried) or max(b["batch"] for b in tried) == 64, "the search stopped early"
print(f"batch {fb['batch']} within {budget} ms (p95 {fb['p95_ms']:.3f}) of {len(tried)} measurements")
EOF

# --- comparison with fidelity, Markdown report
"$sz0" bench "$work/gru.onnx" "$work/gru_q.onnx" --iterations 30 --threads 1 --data "$work/data" \
  --json "$work/cmp.json" --report "$work/cmp.md" >"$work/cmp.log" 2>&1
check comparison - "$work/cmp.json" "$work/cmp.md" "$work/cmp.log" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
r = j["results"]
assert len(r) == 2 and "latency_ms" in r[0] and "throughput_qps" in r[1]
assert "fidelity" not in r[0] and r[1]["fidelity"]["samples"] == 8
assert r[1]["fidelity"]["min_cosine"] > 0.9, r[1]["fidelity"]
md = open(sys.argv[2]).read()
assert "gru_q.onnx" in md and "1.00" in md, "markdown lacks the comparison table"
assert "speedup" in open(sys.argv[3]).read(), "no side-by-side table on the terminal"
EOF

# --- the HTML page in a browser
if [ -s "$work/one.html" ]; then
  bash "$here/report_browser.sh" "$work/one.html"
  case $? in
    0) echo "PASS html_in_browser"; pass=$((pass+1)) ;;
    77) echo "SKIP html_in_browser: no Chromium" ;;
    *) echo "FAIL html_in_browser"; fail=$((fail+1)) ;;
  esac
else
  echo "FAIL html_report: not written"; fail=$((fail+1))
fi

leftovers=$(find "$work" -name '*.tmp*' | wc -l)
if [ "$leftovers" != 0 ]; then echo "FAIL temporary files left behind: $leftovers"; fail=$((fail+1)); fi
echo "bench: $pass passed, $fail failed"
[ "$fail" = 0 ]
