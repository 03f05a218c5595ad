#!/usr/bin/env bash
# Renders an HTML benchmark report in headless Chromium and checks the screenshot: not blank,
# and at least 500 pixels of the first chart colour (#1f77b4), i.e. the inline SVG charts were
# actually drawn. Builds nothing; skips (77) when no Chromium is installed.
#   report_browser.sh REPORT.html [SCREENSHOT.png]   (default: REPORT.png beside the report)
set -uo pipefail
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 REPORT.html [SCREENSHOT.png]" >&2
  exit 2
fi
report="$(realpath "$1")"
shot="${2:-${report%.html}.png}"
shot="$(realpath -m "$shot")"
here="$(dirname "$0")"

browser=""
for b in chromium chromium-headless-shell google-chrome; do
  if command -v "$b" >/dev/null 2>&1; then browser="$b"; break; fi
done
if [ -z "$browser" ]; then
  echo "SKIP: no chromium, chromium-headless-shell or google-chrome in PATH"
  exit 77
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
rm -f "$shot"
# A fresh profile keeps runs independent; --no-sandbox because tests often run as root.
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$profile" --window-size=1000,3000 --screenshot="$shot" "file://$report" \
  >"$profile/browser.log" 2>&1
rc=$?
if [ "$rc" != 0 ] || [ ! -s "$shot" ]; then
  echo "FAIL: $browser exited with $rc and wrote no screenshot; its log ends:"
  tail -n 15 "$profile/browser.log"
  exit 1
fi
echo "screenshot: $shot"
/usr/bin/python3 "$here/png_colors.py" "$shot" --color 1f77b4 --tolerance 24 --min-pixels 500
