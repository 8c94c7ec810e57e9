#!/bin/sh
# Step 2 of the backup Job (AWS CLI image): upload the dumps written by dump.sh to
# s3://$BUCKET/postgres/<db>/<YYYY>/<MM>/<DD>/<db>-<stamp>.dump. Credentials come from IRSA;
# the role may only PutObject under postgres/ (the bucket encrypts with its KMS key).
set -eu
stamp=$(cat "$WORK/STAMP")
day="$(printf '%s' "$stamp" | cut -c1-4)/$(printf '%s' "$stamp" | cut -c5-6)/$(printf '%s' "$stamp" | cut -c7-8)"
for db in $DATABASES; do
  key="postgres/$db/$day/$db-$stamp.dump"
  bytes=$(wc -c < "$WORK/$db.dump")
  if aws s3 cp --only-show-errors --no-progress "$WORK/$db.dump" "s3://$BUCKET/$key"; then
    echo "DIFY_BACKUP_DUMP result=success db=$db stamp=$stamp bytes=$bytes key=$key"
  else
    echo "DIFY_BACKUP_DUMP result=failure stage=upload db=$db stamp=$stamp key=$key"
    exit 1
  fi
done
