#!/bin/sh
# Step 1 of the verification and restore Jobs (AWS CLI image): download one consistent set of
# dumps (same stamp for every database in $DATABASES) into $WORK. The stamp is $DUMP_STAMP when
# set (e.g. 20261128T030000Z), otherwise the newest dump of the first database. Keys embed the
# date and the stamp, so lexical order is time order. Uses only coreutils/grep (no awk/sed):
# the AWS CLI image is a minimal Amazon Linux.
set -eu
first=${DATABASES%% *}
stamp=${DUMP_STAMP:-}
if [ -z "$stamp" ]; then
  newest=$(aws s3api list-objects-v2 --bucket "$BUCKET" --prefix "postgres/$first/" --query 'Contents[].Key' --output text \
    | tr '\t' '\n' | grep '\.dump$' | sort | tail -n 1 || true)
  if [ -z "$newest" ]; then
    echo "${RESULT_TAG} result=failure stage=fetch reason=no-dump-found prefix=postgres/$first/"
    exit 1
  fi
  stamp=$(basename "$newest" .dump)
  stamp=${stamp#"$first"-}
fi
case "$stamp" in
  [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) ;;
  *) echo "${RESULT_TAG} result=failure stage=fetch reason=bad-stamp stamp=$stamp"; exit 1 ;;
esac
day="$(printf '%s' "$stamp" | cut -c1-4)/$(printf '%s' "$stamp" | cut -c5-6)/$(printf '%s' "$stamp" | cut -c7-8)"
for db in $DATABASES; do
  key="postgres/$db/$day/$db-$stamp.dump"
  if ! aws s3 cp --only-show-errors --no-progress "s3://$BUCKET/$key" "$WORK/$db.dump"; then
    echo "${RESULT_TAG} result=failure stage=fetch reason=download-failed key=$key"
    exit 1
  fi
  echo "fetched key=$key bytes=$(wc -c < "$WORK/$db.dump")"
done
printf '%s\n' "$stamp" > "$WORK/STAMP"
