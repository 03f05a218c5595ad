# Sourced by the CLI tests. Needs $work, $pass and $fail.
# expect NAME STATUS OUTPUT_FILE COMMAND...: COMMAND exits with STATUS; on status 1 it printed
# exactly one line on stderr; no sanitizer report; on failure OUTPUT_FILE (when given) was not
# written.
expect() {
  local name="$1" want="$2" out="$3"; shift 3
  "$@" >"$work/stdout" 2>"$work/stderr"
  local rc=$?
  if [ "$rc" != "$want" ]; then
    echo "FAIL $name: exit $rc, expected $want; stderr: $(head -c 300 "$work/stderr")"; fail=$((fail+1)); return
  fi
  if [ "$want" = 1 ] && [ "$(wc -l <"$work/stderr")" != 1 ]; then
    echo "FAIL $name: expected one line on stderr: $(head -c 300 "$work/stderr")"; fail=$((fail+1)); return
  fi
  if grep -q -E "AddressSanitizer|runtime error|LeakSanitizer" "$work/stderr"; then
    echo "FAIL $name: sanitizer report"; fail=$((fail+1)); return
  fi
  if [ "$want" != 0 ] && [ -n "$out" ] && [ -e "$out" ]; then
    echo "FAIL $name: $out was written"; fail=$((fail+1)); return
  fi
  echo "PASS $name: $(head -1 "$work/stderr")"; pass=$((pass+1))
}

# json FILE EXPR: evaluates a Python expression over the JSON document j and prints it.
json() { /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
