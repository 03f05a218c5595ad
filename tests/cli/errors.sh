#!/usr/bin/env bash
# Bad input gets one line on stderr and exit status 1 (2 for usage), never a crash, and never
# a half-written output file.
#   errors.sh SZ0_BINARY FIXTURE_DIR
set -uo pipefail
sz0="$1"
fx="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pass=0; fail=0

# expect NAME STATUS COMMAND...
expect() {
  local name="$1" want="$2"; shift 2
  "$@" >"$work/out" 2>"$work/err"
  local rc=$? lines
  lines=$(wc -l <"$work/err")
  if [ "$rc" != "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want; stderr: $(head -c 300 "$work/err")"; fail=$((fail+1)); return
  fi
  if [ "$want" = 1 ] && [ "$lines" != 1 ]; then
    echo "FAIL $name: $lines lines on stderr, expected one: $(head -c 300 "$work/err")"; fail=$((fail+1)); return
  fi
  if grep -q -E "AddressSanitizer|runtime error|LeakSanitizer" "$work/err"; then
    echo "FAIL $name: sanitizer report"; fail=$((fail+1)); return
  fi
  echo "PASS $name: $(head -1 "$work/err")"; pass=$((pass+1))
}

head -c 40 "$fx/mlp.onnx" >"$work/truncated.onnx"
echo "hello, I am not a model" >"$work/text.onnx"
: >"$work/empty.onnx"
printf '\x93NUMPY garbage' >"$work/bad.npy"
"$sz0" run "$fx/tiny.onnx" --random -o "$work/ok" >/dev/null 2>&1
cp "$work/ok/y.npy" "$work/x_f32.npy"
/usr/bin/python3 - "$work" <<'PY'
import sys, numpy as np
np.save(sys.argv[1] + "/x_i64.npy", np.zeros((1, 4), np.int64))
np.save(sys.argv[1] + "/x_rank3.npy", np.zeros((1, 1, 4), np.float32))
PY

expect truncated_model 1 "$sz0" run "$work/truncated.onnx" --random
expect not_a_model 1 "$sz0" run "$work/text.onnx" --random
expect empty_model 1 "$sz0" info "$work/empty.onnx"
expect missing_model 1 "$sz0" check "$work/nope.onnx"
expect directory_as_model 1 "$sz0" run "$work" --random
expect missing_input 1 "$sz0" run "$fx/tiny.onnx"
expect unknown_input 1 "$sz0" run "$fx/tiny.onnx" -i nope="$work/x_f32.npy"
expect wrong_dtype 1 "$sz0" run "$fx/tiny.onnx" -i x="$work/x_i64.npy"
expect wrong_rank 1 "$sz0" run "$fx/tiny.onnx" -i x="$work/x_rank3.npy"
expect corrupt_npy 1 "$sz0" run "$fx/tiny.onnx" -i x="$work/bad.npy"
expect missing_npy 1 "$sz0" run "$fx/tiny.onnx" -i x="$work/none.npy"
expect unsupported_op 1 "$sz0" run "$fx/custom_op.onnx" --random
expect check_unsupported 1 "$sz0" check "$fx/custom_op.onnx"
expect bad_shape_arg 1 "$sz0" run "$fx/mlp.onnx" --random --shape x=4xq
touch "$work/afile"
expect output_dir_is_file 1 "$sz0" run "$fx/tiny.onnx" --random -o "$work/afile/sub"
mkdir -p "$work/ro"; chmod 500 "$work/ro"
if [ "$(id -u)" != 0 ]; then expect unwritable_output 1 "$sz0" run "$fx/tiny.onnx" --random -o "$work/ro"; fi
expect unwritable_json 1 "$sz0" bench "$fx/tiny.onnx" --iterations 2 --warmup 0 --json /proc/sz0-nope/x.json
expect no_verb 2 "$sz0"
expect unknown_flag 2 "$sz0" run "$fx/tiny.onnx" --frobnicate
expect bad_threads 2 "$sz0" run "$fx/tiny.onnx" --threads -3
expect zoo_unknown_model 1 "$sz0" zoo export resnet-xl -o "$work/zoo.onnx"
expect zoo_unwritable 1 "$sz0" zoo export mlp -o /proc/sz0-nope/mlp.onnx
expect zoo_no_output 2 "$sz0" zoo export mlp
expect zoo_no_subcommand 2 "$sz0" zoo
expect zoo_bad_batch 2 "$sz0" zoo export mlp -o "$work/zoo.onnx" --batch 0
expect zoo_unknown_dataset 1 "$sz0" zoo data imagenet -o "$work/zoo_data"
for verb in run bench info check zoo; do expect "help_$verb" 0 "$sz0" "$verb" --help; done
expect good_run 0 "$sz0" run "$fx/tiny.onnx" --random -o "$work/good"
leftovers=$(find "$work" -name '*.tmp.*' | wc -l)
if [ "$leftovers" != 0 ]; then echo "FAIL temporary files left behind: $leftovers"; fail=$((fail+1)); fi
echo "cli errors: $pass passed, $fail failed"
[ $fail = 0 ]
