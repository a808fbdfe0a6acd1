#!/bin/sh
# Runs every libFuzzer target (or the ones named) for SECONDS each, one after the other,
# at the lowest priority, and prints one Markdown row of figures per target (the format of
# bench/RESULTS.md). Needs a libFuzzer build, made once with:
#
#   CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#     -DDETEVAL_FUZZ=ON -DDETEVAL_SANITIZE=address,undefined
#   cmake --build build-fuzz --target fuzz_targets
#
# usage: tests/fuzz/run.sh [-t SECONDS] [-b BUILD_DIR] [TARGET...]   (default: 600 s, build-fuzz, all)
# FUZZ_NICE=N sets the targets' priority (default 19: the lowest). libFuzzer's -timeout is wall-clock
# time, so a starved target can report a false timeout: give it a core of its own.
#
# The corpus grows in BUILD_DIR/fuzz-corpus/TARGET (kept between runs); the seeds are the
# fixtures listed in BUILD_DIR/tests/fuzz/TARGET.seeds. Failing inputs are written to
# BUILD_DIR/fuzz-artifacts/TARGET/; the full log of each run to BUILD_DIR/fuzz-logs/TARGET.log.
# Exit status: 1 when any target found something.
set -eu
cd "$(dirname "$0")/../.."
seconds=600
build=build-fuzz
while getopts t:b: opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    b) build=$OPTARG ;;
    *) sed -n 's/^# usage: //p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
dir=$build/tests/fuzz
if [ $# -eq 0 ]; then
  set -- $(cd "$dir" && ls *.seeds | sed 's/\.seeds$//')
fi
status=0
echo "| target | seconds | executions | exec/s | coverage (edges) | features | corpus | peak RSS (MB) | result |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for t in "$@"; do
  exe=$dir/${t}_fuzz
  [ -x "$exe" ] || { echo "no libFuzzer target $exe (build fuzz_targets with -DDETEVAL_FUZZ=ON)" >&2; exit 2; }
  corpus=$build/fuzz-corpus/$t
  artifacts=$build/fuzz-artifacts/$t/
  log=$build/fuzz-logs/$t.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  seeds=$(cat "$dir/$t.seeds")
  start=$(date +%s)
  result=clean
  # shellcheck disable=SC2086  # the seed paths are one word each
  nice -n "${FUZZ_NICE:-19}" "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" $seeds >"$log" 2>&1 || { result="FOUND: see $log"; status=1; }
  took=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
  echo "| $t | $took | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | ${rss:-?} | $result |"
done
exit $status
