#!/usr/bin/env bash
# Starts or stops the local backing services on loopback: Redis, PostgreSQL 15 + pgvector, the S3 endpoint.
#   deploy/local/infra.sh up|down|status
# State lives in $STORELENS_STATE_DIR (default tmp/stack). Both directions are idempotent.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=${STORELENS_STATE_DIR:-$ROOT/tmp/stack}
PGBIN=/usr/lib/postgresql/15/bin
REDIS_PORT=${REDIS_PORT:-6379}; PG_PORT=${PG_PORT:-5432}; S3_PORT=${S3_PORT:-9000}
DB=${PG_DB:-storelens}
mkdir -p "$DIR"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Huge pages for Postgres' shared memory. On this kind of VM a process's first touch of each 4 KB page of shared
# memory costs a page fault of ~14 us, and every backend touches shared_buffers afresh: a new connection's HNSW
# search of 1,400 buffers took 25-30 ms instead of 2-2.5 ms. With 2 MB pages there are 512 times fewer faults.
# Reserved (as root) for exactly what Postgres says it needs, and given back by `down`; without them (not root,
# or the kernel has no 2 MB pages free) Postgres starts on 4 KB pages (huge_pages=try).
reserve_huge_pages() {
  [ -w /proc/sys/vm/nr_hugepages ] || return 0
  local need have free
  # shellcheck disable=SC2086 # $1: the server's options, word-split on purpose
  need=$(as_pg $PGBIN/postgres -D "$DIR/pg/data" $1 -C shared_memory_size_in_huge_pages 2>/dev/null || echo 0)
  [ "${need:-0}" -gt 0 ] 2>/dev/null || return 0
  have=$(cat /proc/sys/vm/nr_hugepages)
  free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  [ "$free" -ge "$need" ] && return 0
  echo "$have" >"$DIR/pg/hugepages.before"
  # the kernel finds only as many 2 MB pages as it has free contiguous memory: compact it first
  echo 1 >/proc/sys/vm/compact_memory 2>/dev/null || true
  echo $((have + need - free)) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
  free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  [ "$free" -ge "$need" ] || echo "infra: only $free of the $need huge pages Postgres needs were free; it runs on 4 KB pages" >&2
}

up() {
  bash "$ROOT/deploy/local/install.sh" >/dev/null
  # Redis (noeviction: BullMQ must never lose keys; AOF fsynced every second, as in compose: a restart keeps the
  # queues but for the last second, and the reconciler re-sends from Postgres whatever was lost)
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    mkdir -p "$DIR/redis"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" --save '' --appendonly yes --appendfsync everysec \
      --maxmemory-policy noeviction --daemonize yes --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log"
  fi
  # PostgreSQL (throwaway cluster under the state dir), unless one already answers on the port
  if ! pg_isready -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; then
    if [ ! -f "$DIR/pg/data/PG_VERSION" ]; then
      mkdir -p "$DIR/pg"; [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$DIR/pg"
      [ "$(id -u)" = 0 ] && chmod o+x "$DIR" "$(dirname "$DIR")" 2>/dev/null || true
      as_pg $PGBIN/initdb -D "$DIR/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # shared_buffers: an eighth of the RAM (128 MB to 4 GB), so the tenants' HNSW graphs stay in memory;
    # PG_SHARED_BUFFERS_MB sets it (the full-size search bench wants its graphs in memory)
    SB_MB=${PG_SHARED_BUFFERS_MB:-$(awk '/MemTotal/ {m = int($2 / 1024 / 8); if (m < 128) m = 128; if (m > 4096) m = 4096; print m}' /proc/meminfo)}
    # pg_stat_statements: where Postgres' time goes, per statement (the bench reads it)
    local opts="-p $PG_PORT -k $DIR/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c shared_buffers=${SB_MB}MB -c shared_preload_libraries=pg_stat_statements"
    reserve_huge_pages "$opts"
    as_pg $PGBIN/pg_ctl -D "$DIR/pg/data" -l "$DIR/pg/log" -w start -o "$opts -c huge_pages=try" >/dev/null
  fi
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "select 1 from pg_database where datname='$DB'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "create database $DB"
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$DB" -qc 'create extension if not exists vector' 2>&1 | grep -v NOTICE || true
  # S3 endpoint
  if ! curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/"; then
    mkdir -p "$DIR/s3"
    # one node process (tsx as a loader, not a wrapper) so that the pid file names the server itself
    # exec: the background job is the server itself, holding none of this script's output pipes open
    # --openssl-legacy-provider: s3rver encrypts a listing's continuation token with single DES, which OpenSSL 3 keeps
    # in its legacy provider; without it every listing past 1,000 keys (removing a busy tenant or hour) answered 500
    (cd "$ROOT" && exec nohup node --openssl-legacy-provider --import tsx deploy/local/s3-server.ts "$DIR/s3" "$S3_PORT" </dev/null >"$DIR/s3.log" 2>&1) &
    echo $! >"$DIR/s3.pid"
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break; sleep 0.2; done
  fi
  status
}

down() {
  if [ -f "$DIR/s3.pid" ]; then kill "$(cat "$DIR/s3.pid")" 2>/dev/null || true; rm -f "$DIR/s3.pid"; fi
  pkill -f "deploy/local/s3-server.ts $DIR/s3" 2>/dev/null || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if [ -f "$DIR/pg/data/PG_VERSION" ]; then as_pg $PGBIN/pg_ctl -D "$DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  if [ -f "$DIR/pg/hugepages.before" ]; then
    cat "$DIR/pg/hugepages.before" >/proc/sys/vm/nr_hugepages 2>/dev/null || true
    rm -f "$DIR/pg/hugepages.before"
  fi
  echo "infra: stopped"
}

status() {
  local r p s
  r=$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null || echo down)
  p=$(pg_isready -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1 && echo up || echo down)
  s=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$S3_PORT/" 2>/dev/null || true)
  echo "infra: redis=$r postgres=$p s3=$([ "$s" = 200 ] && echo up || echo down) (state $DIR)"
}

case "${1:-status}" in up) up ;; down) down ;; status) status ;; *) echo "usage: $0 up|down|status" >&2; exit 2 ;; esac
