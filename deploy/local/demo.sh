#!/usr/bin/env bash
# npm run demo: the main job end to end on the local default stack. Brings the stack up (installing what is
# missing), creates a demo tenant, enrols the fixture people, sends the fixture scenes and video through the API,
# prints the results and where to look. The stack keeps running afterwards (npm run stack:down stops it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
bash deploy/local/stack.sh up
node_modules/.bin/tsx libs/cli/src/main.ts demo "$@"
