#!/bin/sh
# Installs the Debian/Ubuntu packages deteval builds and tests with (run as root).
# Installs nothing when everything is already there, so repeated runs are quick.
set -eu
pkgs="cmake ninja-build g++ make nlohmann-json3-dev libboost-dev libtbb-dev libcli11-dev libgtest-dev libgmock-dev libsqlite3-dev libsimdjson-dev"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing
fi
