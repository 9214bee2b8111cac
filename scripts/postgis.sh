#!/usr/bin/env bash
# Make sure a PostGIS database is reachable and print its URL on stdout.
#   scripts/postgis.sh ensure   -> prints DATABASE_URL (and says on stderr which case applied)
#   scripts/postgis.sh stop     -> stops the project-local cluster, if this script started one
#   scripts/postgis.sh status
# Order: $DATABASE_URL if set; else the local server on 127.0.0.1:5432 if it answers;
# else a project-local cluster under .pgdata/ on 127.0.0.1:${ECOZONE_PGPORT:-54329}.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
db="${ECOZONE_DB:-ecozone}"
port="${ECOZONE_PGPORT:-54329}"
data="${ECOZONE_PGDATA:-$here/.pgdata}"
probe="${ECOZONE_PROBE_PORT:-5432}"   # where a system PostgreSQL is looked for
say() { echo "postgis.sh: $*" >&2; }

pgbin() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -1)
  [ -n "$v" ] || { say "PostgreSQL is not installed (apt-get install postgresql postgresql-15-postgis-3 postgresql-15-pgrouting)"; exit 1; }
  echo "/usr/lib/postgresql/$v/bin"
}

as_owner() {  # run a server binary as the data folder's owner (root is refused by initdb/pg_ctl)
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_db() {  # $1 = server URL without database; creates $db and postgis in it
  local server="$1"
  if ! psql "$server/postgres" -Atqc "select 1 from pg_database where datname='$db'" | grep -q 1; then
    psql "$server/postgres" -qc "create database \"$db\"" >&2
  fi
  psql "$server/$db" -qc "create extension if not exists postgis" >&2
  echo "$server/$db"
}

case "${1:-ensure}" in
  ensure)
    if [ -n "${DATABASE_URL:-}" ]; then
      say "using DATABASE_URL"
      # its database is created when the server answers and it is missing (a new name
      # for a second demo, a CI database); the migrations add the extensions
      libpq="${DATABASE_URL/postgresql+psycopg:/postgresql:}"
      bare="${libpq%%\?*}"; name="${bare##*/}"; server="${bare%/*}"
      if [ -n "$name" ] && [ "$server" != "$bare" ] \
        && ! psql "$libpq" -Atqc 'select 1' >/dev/null 2>&1 \
        && psql "$server/postgres" -Atqc 'select 1' >/dev/null 2>&1 \
        && ! psql "$server/postgres" -Atqc "select 1 from pg_database where datname='$name'" | grep -q 1; then
        say "creating database $name (it did not exist)"
        psql "$server/postgres" -qc "create database \"$name\"" >&2
      fi
      echo "$DATABASE_URL"; exit 0
    fi
    if pg_isready -q -h 127.0.0.1 -p "$probe" 2>/dev/null && psql -h 127.0.0.1 -p "$probe" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
      say "using the local PostgreSQL on 127.0.0.1:$probe (database $db)"
      ensure_db "postgresql://postgres@127.0.0.1:$probe"; exit 0
    fi
    bin=$(pgbin)
    if [ ! -s "$data/PG_VERSION" ]; then
      say "creating a project-local cluster in $data"
      mkdir -p "$data"
      [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
      as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
      say "starting the project-local cluster on 127.0.0.1:$port (stop it with: make db-stop)"
      as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
        -o "-p $port -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
    else
      say "project-local cluster already running on 127.0.0.1:$port"
    fi
    ensure_db "postgresql://postgres@127.0.0.1:$port"
    ;;
  stop)
    if [ -s "$data/PG_VERSION" ]; then
      as_owner "$(pgbin)/pg_ctl" -D "$data" -m fast stop >&2 || true
    else
      say "no project-local cluster (nothing to stop; a system server is left alone)"
    fi
    ;;
  status)
    pg_isready -h 127.0.0.1 -p "$probe" || true
    [ -s "$data/PG_VERSION" ] && pg_isready -h 127.0.0.1 -p "$port" || true
    ;;
  *) echo "usage: $0 ensure|stop|status" >&2; exit 2 ;;
esac
