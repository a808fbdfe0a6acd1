#!/bin/sh
# Installs the Debian/Ubuntu packages deteval builds and tests with (run as root).
# Installs nothing when everything is already there, so repeated runs are quick.
# --test also installs what only the test suite needs (Chromium for the report test).
set -eu
pkgs="cmake ninja-build g++ make nlohmann-json3-dev libboost-dev libtbb-dev libcli11-dev libgtest-dev libgmock-dev libsqlite3-dev libsimdjson-dev libpng-dev libdeflate-dev"
# The Python package (python/, docs/python.md): pybind11, the headers and numpy of Debian's python3.
pkgs="$pkgs pybind11-dev python3-dev python3-numpy"
# The leaderboard's web service (`deteval board serve`): cpp-httplib, found with pkg-config.
pkgs="$pkgs libcpp-httplib-dev pkg-config"
# The board on PostgreSQL (docs/board.md, "Many hosts"): the client library, libpq.
pkgs="$pkgs libpq-dev"
test_pkgs=""
if [ "${1:-}" = "--test" ]; then
  test_pkgs="chromium fonts-dejavu-core"
  # The board tests start a throw-away PostgreSQL server (tests/pg_server.sh); without it they skip.
  test_pkgs="$test_pkgs postgresql"
fi
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
missing_test=""
for p in $test_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing_test="$missing_test $p"
done
export DEBIAN_FRONTEND=noninteractive
if [ -n "$missing$missing_test" ]; then
  apt-get update -qq
fi
if [ -n "$missing" ]; then
  apt-get install -y -qq --no-install-recommends $missing
fi
# The browser test skips itself without Chromium, so a distribution without the
# package (or with only a snap wrapper) still builds and tests everything else.
if [ -n "$missing_test" ]; then
  apt-get install -y -qq --no-install-recommends $missing_test ||
    echo "install-deps: could not install$missing_test; the browser test will be skipped" >&2
fi
