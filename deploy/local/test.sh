#!/usr/bin/env bash
# The test command (`npm test`): installs what is missing, starts the real backing services, type-checks,
# lints, runs every jest suite against the real services and models, stops what it started, and ends with
# one plain line "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export NX_DAEMON=false NX_NO_CLOUD=true ONNXRUNTIME_NODE_INSTALL=skip
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
bash deploy/local/install.sh
started=0
if ! bash deploy/local/infra.sh status | grep -q 'redis=PONG postgres=up s3=up'; then started=1; fi
bash deploy/local/infra.sh up || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p tmp
status=0
echo "== type check"; npx tsc -p tsconfig.json --noEmit || status=1
echo "== lint"; bash deploy/local/lint.sh || status=1
echo "== tests"
npx jest --ci --json --outputFile=tmp/jest-results.json "$@" || status=1
[ "$started" = 1 ] && [ "${KEEP_INFRA:-0}" != 1 ] && bash deploy/local/infra.sh down
node -e '
  const r = require("./tmp/jest-results.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + r.numRuntimeErrorTestSuites} failed`);
' 2>/dev/null || echo "0 passed, 1 failed"
exit $status
