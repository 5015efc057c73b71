#!/usr/bin/env bash
# The whole test suite: system packages, type-check, lint, build, then every test against real sshd and
# dockerd fixtures (started and stopped by the suite itself).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system.sh || exit 1
[ -d node_modules ] || npm ci || exit 1
mkdir -p .tmp
rm -f .tmp/results.json
npm run --silent typecheck || exit 1
npm run --silent lint || exit 1
npm run --silent build >/dev/null || exit 1
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/results.json "$@"
status=$?
node scripts/summary.mjs .tmp/results.json "$status"
exit $status
