#!/usr/bin/env bash
# Installs what the local stack needs on a Debian 12 machine: Redis, PostgreSQL 15 with pgvector, ffmpeg, fonts.
# Idempotent and quiet when everything is already there. See ../shared/INFRA.md for why each step looks as it does.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
need=()
command -v redis-server >/dev/null || need+=(redis-server)
[ -x "$PGBIN/postgres" ] || need+=(postgresql-15)
[ -x "$PGBIN/pg_config" ] && [ -f /usr/include/postgresql/15/server/postgres.h ] || need+=(postgresql-server-dev-15)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
command -v fc-list >/dev/null || need+=(fontconfig)
# the dashboard's browser test drives Debian's Chromium (playwright-core, never a downloaded browser)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ] || [ ! -f /usr/share/postgresql/15/extension/vector.control ]; then
  if [ "$(id -u)" != 0 ]; then echo "install.sh: need root to install ${need[*]} pgvector" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # build tools for pgvector come with postgresql-server-dev-15; make/gcc are on the machine
  [ ${#need[@]} -gt 0 ] && apt-get install -y -qq --no-install-recommends "${need[@]}" postgresql-server-dev-15 >/dev/null
fi
# pgvector is not packaged for bookworm: build Debian trixie's source package against PG 15.
if [ ! -f /usr/share/postgresql/15/extension/vector.control ]; then
  dpkg -s postgresql-server-dev-15 >/dev/null 2>&1 || apt-get install -y -qq --no-install-recommends postgresql-server-dev-15 >/dev/null
  A=$(mktemp -d); mkdir -p "$A/lists/partial" "$A/etc" "$A/src"
  URI=$(grep -hoE '^URIs: *\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}')
  [ -n "$URI" ] || URI=$(grep -hoE '^deb +\S+' /etc/apt/sources.list 2>/dev/null | head -1 | awk '{print $2}')
  printf 'Types: deb-src\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$URI" > "$A/etc/t.sources"
  O=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$A/etc" -o "Dir::State::Lists=$A/lists"
     -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Sandbox::User=root)
  apt-get "${O[@]}" update -qq
  (cd "$A/src" && apt-get "${O[@]}" source --download-only -qq pgvector >/dev/null && tar xzf pgvector_*.orig.tar.gz)
  make -s -C "$A"/src/pgvector-*/ -j2 PG_CONFIG=$PGBIN/pg_config OPTFLAGS= with_llvm=no >/dev/null
  make -s -C "$A"/src/pgvector-*/ install PG_CONFIG=$PGBIN/pg_config with_llvm=no >/dev/null
  rm -rf "$A"
fi
echo "install.sh: redis, postgresql-15 + pgvector, ffmpeg ready"
