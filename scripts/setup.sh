#!/usr/bin/env bash
# Installs what the extension's tests and demo need on a fresh Debian machine: the system
# packages (when run as root with apt), a newer adb for the test matrix and the npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# adb for the tests and demo; chromium, ripgrep and libkrb5-dev for the real VS Code (code-server).
packages=(adb chromium ripgrep libkrb5-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]} (install them with: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
fi

# The test matrix's second adb: a newer real one (Debian 13's 34.0.5) in .cache/adb-34, beside the
# system's 29. It needs only apt-get and dpkg, no root and no change to the system.
bash scripts/newer-adb.sh >/dev/null

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
