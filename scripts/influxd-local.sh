#!/bin/sh
# Run Debian's InfluxDB 1.x server as a plain foreground process on
# 127.0.0.1 with its data in DIR: the demonstration and the tests use it.
#   scripts/influxd-local.sh DIR [HTTP_PORT]     (default port 18086)
# INFLUX_MAX_BODY=N limits request bodies to N bytes (tests of 413).
# The backup RPC port (which 1.x cannot switch off) binds to 127.0.0.1 too,
# on HTTP_PORT + 2.
set -e
dir=${1:?usage: influxd-local.sh DIR [HTTP_PORT]}
port=${2:-18086}
mkdir -p "$dir"
cat >"$dir/influxdb.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:$((port + 2))"
[meta]
  dir = "$dir/meta"
  logging-enabled = false
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:$port"
  log-enabled = false
  pprof-enabled = false
  max-body-size = ${INFLUX_MAX_BODY:-25000000}
[logging]
  level = "warn"
[continuous_queries]
  log-enabled = false
CONF
exec influxd -config "$dir/influxdb.conf"
