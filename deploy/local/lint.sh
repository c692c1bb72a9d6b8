#!/usr/bin/env bash
# Lint (`npm run lint`): eslint over every project, including the project boundaries (@nx/enforce-module-boundaries),
# which read nx's project graph: compute it first, without the daemon, so the rule never silently skips.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true
npx nx reset --only-workspace-data >/dev/null 2>&1 || true
npx nx show projects >/dev/null
npx eslint --max-warnings=0 --no-error-on-unmatched-pattern libs services deploy "$@"
