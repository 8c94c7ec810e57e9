#!/bin/sh
# Step 2 of the restore Job (postgres client image): restore the fetched dumps into NEW databases
# named <db>_<RESTORE_SUFFIX> (never over the live ones), owned by Dify's role, then ANALYZE them.
# Afterwards point Dify at them with one config change (see docs/backups.md).
#   DIFY_RESTORE result=success stamp=... databases=dify_<suffix>,dify_plugin_<suffix>
set -eu
. /scripts/lib.sh
: "${RESTORE_SUFFIX:?set RESTORE_SUFFIX (letters, digits, _) in the dify-restore-request ConfigMap}"
case "$RESTORE_SUFFIX" in
  *[!a-z0-9_]*) echo "DIFY_RESTORE result=failure reason=bad-suffix suffix=$RESTORE_SUFFIX"; exit 1 ;;
esac
stamp=$(cat "$WORK/STAMP")
made=""
for db in $DATABASES; do
  target="${db}_${RESTORE_SUFFIX}"
  start=$(date +%s)
  if ! restore_into "$WORK/$db.dump" "$target"; then
    echo "DIFY_RESTORE result=failure stamp=$stamp database=$target reason=restore-failed (the partial database is left for inspection; drop it before retrying)"
    exit 1
  fi
  vacuumdb --no-password --analyze-only --dbname="$target"
  echo "restored db=$db into=$target seconds=$(( $(date +%s) - start ))"
  made="$made,$target"
done
echo "DIFY_RESTORE result=success stamp=$stamp databases=${made#,}"
