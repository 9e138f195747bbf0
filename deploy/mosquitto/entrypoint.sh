#!/bin/sh
# Writes the password file from the environment at every start (mosquitto_passwd hashes the secrets), then runs the
# broker. Devices: list "id:secret" pairs in PAX_DEVICES, separated by spaces.
set -eu
file=/mosquitto/data/passwords
: > "$file"
mosquitto_passwd -b "$file" pax-node "${PAX_NODE_PASSWORD:?set PAX_NODE_PASSWORD}"
if [ -n "${PAX_SIMULATOR_PASSWORD:-}" ]; then
  mosquitto_passwd -b "$file" pax-simulator "$PAX_SIMULATOR_PASSWORD"
fi
for pair in ${PAX_DEVICES:-}; do
  mosquitto_passwd -b "$file" "${pair%%:*}" "${pair#*:}"
done
chown mosquitto:mosquitto "$file"
chmod 0600 "$file"
exec mosquitto -c /mosquitto/config/mosquitto.conf
