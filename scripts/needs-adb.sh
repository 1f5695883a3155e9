#!/usr/bin/env bash
# The first step of `npm test`: its tests start private adb servers, so without adb they could only
# fail one by one. Say what to do instead, at once.
if ! command -v adb >/dev/null 2>&1; then
  echo "npm test needs adb on PATH (the tests start private adb servers of their own): run \`npm run setup\` (or \`sudo apt-get install adb\`)." >&2
  exit 1
fi
