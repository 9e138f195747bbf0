#!/bin/sh
# At the first start, creates the dynamic-security plugin's file with the nodes' account (pax-node) as its
# administrator; device accounts are then the nodes' to keep (PUT and DELETE /api/devices). With PAX_SIMULATOR_PASSWORD
# set, also keeps the demo simulator's account, which may publish for every simulated device: a lab convenience.
set -eu
accounts=/mosquitto/data/dynamic-security.json
node_password="${PAX_NODE_PASSWORD:?set PAX_NODE_PASSWORD}"
if [ ! -f "$accounts" ]; then
  mosquitto_ctrl dynsec init "$accounts" pax-node "$node_password"
  chown mosquitto:mosquitto "$accounts"
  chmod 0600 "$accounts"
fi
mosquitto -c /mosquitto/config/mosquitto.conf &
broker=$!
if [ -n "${PAX_SIMULATOR_PASSWORD:-}" ]; then
  ctrl() { mosquitto_ctrl -h 127.0.0.1 -u pax-node -P "$node_password" dynsec "$@"; }
  until ctrl listClients >/dev/null 2>&1; do sleep 1; done
  # Each create is refused harmlessly when its account or role is already there (mosquitto_ctrl exits 0 either way).
  ctrl createRole pax-simulator >/dev/null 2>&1 || true
  ctrl addRoleACL pax-simulator publishClientSend 'pax/v1/+/+/signals' allow >/dev/null 2>&1 || true
  ctrl addRoleACL pax-simulator publishClientSend 'pax/v1/+/+/status' allow >/dev/null 2>&1 || true
  ctrl createClient pax-simulator >/dev/null 2>&1 || true
  ctrl setClientPassword pax-simulator "$PAX_SIMULATOR_PASSWORD" >/dev/null 2>&1
  ctrl addClientRole pax-simulator pax-simulator >/dev/null 2>&1 || true
fi
wait "$broker"
