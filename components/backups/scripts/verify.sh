#!/bin/sh
# Step 2 of the restore-verification Job (postgres client image): restore the fetched dumps into
# scratch databases, check Dify's core tables, print one result line, drop the scratch databases.
#   DIFY_RESTORE_VERIFY result=success|failure stamp=... checks=table:rows,... duration_s=N [reason=...]
# Checks: $MAIN_DB must have rows in each of $REQUIRE_ROWS, contain $REQUIRE_TABLES, and exactly
# one alembic_version row (one migration head); $PLUGIN_DB must contain $PLUGIN_REQUIRE_TABLES.
set -u
. /scripts/lib.sh
start=$(date +%s)
stamp=$(cat "$WORK/STAMP" 2>/dev/null || echo unknown)
suffix="verify_$(date -u +%Y%m%d%H%M%S)_$$"
scratch=""
checks=""
result=failure
reason=""

finish() {
  for db in $scratch; do
    dropdb --no-password --if-exists --force "$db" || echo "warning: could not drop scratch database $db"
  done
  line="DIFY_RESTORE_VERIFY result=$result stamp=$stamp checks=${checks#,} duration_s=$(( $(date +%s) - start ))"
  [ -n "$reason" ] && line="$line reason=$reason"
  echo "$line"
}
trap finish EXIT
trap 'reason=${reason:-interrupted}; exit 1' INT TERM

fail() { reason=$1; exit 1; }

for db in $DATABASES; do
  target="${db}_${suffix}"
  scratch="$scratch $target"
  restore_into "$WORK/$db.dump" "$target" || fail "restore-failed:$db"
  if [ "$db" = "$MAIN_DB" ]; then
    for t in $REQUIRE_ROWS; do
      n=$(row_count "$target" "$t") || fail "query-failed:$t"
      checks="$checks,$t:$n"
      [ "$n" = missing ] && fail "missing-table:$t"
      [ "$n" -gt 0 ] || fail "empty-table:$t"
    done
    for t in $REQUIRE_TABLES; do
      n=$(row_count "$target" "$t") || fail "query-failed:$t"
      checks="$checks,$t:$n"
      [ "$n" = missing ] && fail "missing-table:$t"
    done
    heads=$(row_count "$target" alembic_version) || fail "query-failed:alembic_version"
    checks="$checks,alembic_version:$heads"
    [ "$heads" = 1 ] || fail "alembic-heads:$heads"
  elif [ "$db" = "$PLUGIN_DB" ]; then
    for t in $PLUGIN_REQUIRE_TABLES; do
      n=$(row_count "$target" "$t") || fail "query-failed:$t"
      checks="$checks,$db.$t:$n"
      [ "$n" = missing ] && fail "missing-table:$db.$t"
    done
  fi
done
result=success
