#!/usr/bin/env bash
# npm run stack:up / stack:down / stack:status — the whole local stack on loopback:
# Redis, PostgreSQL + pgvector, the S3 endpoint, the schema, and the six services behind the gateway (:8080).
# Idempotent both ways; `down` leaves nothing running.
# STORELENS_COMPILED=1 runs the compiled JavaScript (npm run build, into dist/) instead of the TypeScript sources.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export ONNXRUNTIME_NODE_INSTALL=skip
case "${1:-status}" in
  up)
    [ -d node_modules/.bin ] || npm ci --no-audit --no-fund --loglevel=error
    bash deploy/local/infra.sh up
    if [ "${STORELENS_COMPILED:-0}" = 1 ]; then
      npm run -s build
      node dist/libs/db/src/migrate.js up
    else
      node_modules/.bin/tsx libs/db/src/migrate.ts up
    fi
    node_modules/.bin/tsx deploy/local/services.ts up
    echo "StoreLens API: http://127.0.0.1:${API_PORT:-8080}  (docs: /docs/ingest, /docs/analytics)"
    ;;
  down)
    [ -x node_modules/.bin/tsx ] && node_modules/.bin/tsx deploy/local/services.ts down || true
    bash deploy/local/infra.sh down
    ;;
  status)
    bash deploy/local/infra.sh status
    [ -x node_modules/.bin/tsx ] && node_modules/.bin/tsx deploy/local/services.ts status || true
    ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
