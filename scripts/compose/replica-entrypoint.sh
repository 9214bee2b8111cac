#!/bin/bash
# The replica's entrypoint: on the first start, copy the primary with pg_basebackup -R
# (which writes standby.signal and primary_conninfo) through a replication slot, then run
# PostgreSQL as a hot standby that streams from the primary.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  export PGPASSWORD="$REPLICATION_PASSWORD"
  until pg_isready -h "$PRIMARY_HOST" -p 5432; do sleep 1; done
  pg_basebackup -h "$PRIMARY_HOST" -p 5432 -U replicator -D "$PGDATA" \
    -R -X stream -C -S replica1 --checkpoint=fast
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on
