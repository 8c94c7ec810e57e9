#!/bin/sh
# Shared by verify.sh and restore.sh (sourced). Restores one dump into one new database.

# restore_into <dump file> <new database>: creates the database (owned by $APP_ROLE) and restores
# the dump into it, stopping at the first error. Comments on extensions are skipped: they need the
# extension's owner and carry no data.
restore_into() {
  file=$1
  target=$2
  createdb --no-password --owner="$APP_ROLE" "$target" || return 1
  pg_restore --list "$file" > "$WORK/$target.toc" || return 1
  grep -v ' COMMENT - EXTENSION ' "$WORK/$target.toc" > "$WORK/$target.list" || return 1
  set -- --no-password --exit-on-error --no-owner --no-acl --use-list="$WORK/$target.list" --dbname="$target"
  if [ "$APP_ROLE" != "$PGUSER" ]; then set -- "$@" --role="$APP_ROLE"; fi
  pg_restore "$@" "$file" || return 1
}

# sql <database> <query>: one value, unaligned, no psqlrc.
sql() {
  psql --no-password -X -A -t -v ON_ERROR_STOP=1 --dbname="$1" -c "$2"
}

# row_count <database> <table>: rows of public.<table>, or "missing".
row_count() {
  if [ "$(sql "$1" "SELECT to_regclass('public.\"$2\"') IS NOT NULL")" = "t" ]; then
    sql "$1" "SELECT count(*) FROM public.\"$2\""
  else
    echo missing
  fi
}
