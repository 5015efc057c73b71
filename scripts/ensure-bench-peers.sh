#!/usr/bin/env bash
# Installs the tools `npm run bench:transfer` compares fanout with (Debian's pssh: parallel-scp, parallel-rsync,
# parallel-slurp; and rsync, which parallel-rsync runs on both ends) when they are missing.
set -euo pipefail
need=()
command -v parallel-scp >/dev/null 2>&1 || need+=(pssh)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
bash "$(dirname "$0")/install-missing.sh" "bench:transfer compares with" "${need[@]}"
