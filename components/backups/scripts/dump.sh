#!/bin/sh
# Step 1 of the backup Job (postgres client image): dump each database in $DATABASES to
# $WORK/<db>.dump in pg_dump's custom format (compressed, restorable selectively with pg_restore).
# Connection comes from the libpq environment: PGHOST PGPORT PGUSER PGPASSWORD PGSSLMODE.
set -eu
stamp=$(date -u +%Y%m%dT%H%M%SZ)
printf '%s\n' "$stamp" > "$WORK/STAMP"
for db in $DATABASES; do
  start=$(date +%s)
  if ! pg_dump --format=custom --compress=6 --no-password --lock-wait-timeout=300000 \
      --dbname="$db" --file="$WORK/$db.dump"; then
    echo "DIFY_BACKUP_DUMP result=failure stage=dump db=$db stamp=$stamp"
    exit 1
  fi
  echo "dumped db=$db bytes=$(wc -c < "$WORK/$db.dump") seconds=$(( $(date +%s) - start ))"
done
