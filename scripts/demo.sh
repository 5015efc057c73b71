#!/usr/bin/env bash
# The README's main job: a real fan-out over four local "hosts" (examples/fanout.yaml) with live progress
# and a summary. It checksums this repository's source files, spread over the fleet by least load; job
# slots are per target (--per-target 2, twice that for delta, whose weight is 2).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/cli/main.js ] || npm run --silent build >/dev/null
fanout() { node dist/cli/main.js "$@"; }

echo '$ fanout targets -i examples/fanout.yaml @all'
fanout targets -i examples/fanout.yaml @all
echo

echo '$ fanout run -i examples/fanout.yaml @all --output collapse -- uname -sm'
fanout run -i examples/fanout.yaml @all --output collapse --progress none -- uname -sm
echo

# Each job sleeps a little (longer for larger files), so the progress lines have something to show.
files=$(find src -name '*.ts' | sort | head -n 24)
echo "\$ fanout jobs -i examples/fanout.yaml @all --per-target 2 --progress plain --joblog .tmp/demo.joblog -- 'sleep 0.\$((\$(wc -c < {}) % 7)); sha256sum {}' ::: <24 files>"
mkdir -p .tmp
# shellcheck disable=SC2086
fanout jobs -i examples/fanout.yaml @all --per-target 2 --progress plain --joblog .tmp/demo.joblog \
  -- 'sleep 0.$(( $(wc -c < {}) % 7 )); sha256sum {} | cut -c1-16,65-' ::: $files
echo
echo "Joblog (GNU parallel's format): .tmp/demo.joblog"
head -n 4 .tmp/demo.joblog
