#!/bin/bash
# DBRP mapping for riskwatch on InfluxDB 2.x: database "riskwatch", retention policy "autogen" → the bucket,
# as the default RP. riskwatch writes through the v1-compatible /write?db=riskwatch and reads (and Grafana
# queries) with InfluxQL over /query; both resolve db/rp through this mapping (architecture.md "Readings").
#
# The influxdb image runs it once, after `influx setup` on an empty volume (/docker-entrypoint-initdb.d;
# it must be executable). The entrypoint exports INFLUX_HOST and DOCKER_INFLUXDB_INIT_BUCKET_ID and the
# setup left an authenticated CLI config behind. For a volume set up before this script existed, run it
# by hand: docker compose exec influxdb /docker-entrypoint-initdb.d/init-dbrp.sh
# Idempotent: an existing mapping for the database is left as it is.
set -euo pipefail

# The v1 database is named like the bucket (docker-compose.yml: RISKWATCH_INFLUX_DB=riskwatch).
bucket="${DOCKER_INFLUXDB_INIT_BUCKET:-riskwatch}"
db="${bucket}"
bucket_id="${DOCKER_INFLUXDB_INIT_BUCKET_ID:-}"
if [ -z "${bucket_id}" ]; then
  bucket_id="$(influx bucket list --name "${bucket}" --hide-headers | cut -f 1)"
fi
if [ -z "${bucket_id}" ]; then
  echo "init-dbrp: bucket ${bucket} not found" >&2
  exit 1
fi

if [ -n "$(influx v1 dbrp list --db "${db}" --hide-headers)" ]; then
  echo "init-dbrp: a DBRP mapping for database ${db} exists; left unchanged"
  influx v1 dbrp list --db "${db}"
  exit 0
fi

influx v1 dbrp create --db "${db}" --rp autogen --bucket-id "${bucket_id}" --default
echo "init-dbrp: mapped ${db}/autogen to bucket ${bucket} (${bucket_id})"
