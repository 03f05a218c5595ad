#!/usr/bin/env bash
# Installs every Debian package SentinelZer0 needs to build, test and run its demo.
# Idempotent; run as root on Debian 12. Skips the network when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libprotobuf-dev protobuf-compiler libonnx-dev
  libdnnl-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libzip-dev
  libonnx-testdata
  python3 python3-onnx python3-numpy
  nodejs
  time chromium
)

missing=()
# The peer comparisons need npm; Debian ships it apart from nodejs, other node builds include it.
command -v npm >/dev/null 2>&1 || packages+=(npm)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all ${#packages[@]} packages present"
