#!/usr/bin/env bash
# The first step of `npm test`: its tests start private adb servers, with the system's adb and with the
# newer one `npm run setup` extracts, so without either they could only fail one by one. Say what to
# do instead, at once.
if ! command -v adb >/dev/null 2>&1; then
  echo "npm test needs adb on PATH (the tests start private adb servers of their own): run \`npm run setup\` (or \`sudo apt-get install adb\`)." >&2
  exit 1
fi
if ! "$(dirname "$0")/../.cache/adb-34/usr/bin/adb" version >/dev/null 2>&1; then
  echo "npm test runs the adb tests against a newer adb too, which is not there yet: run \`npm run setup\` (or \`bash scripts/newer-adb.sh\`)." >&2
  exit 1
fi
