#!/usr/bin/env bash
# Usage: ensure-bench-peers.sh BENCH — installs the tools `npm run bench:BENCH` compares fanout with, when
# they are missing, so that every peer of a benchmark runs in the same run as fanout.
set -euo pipefail
bench=$1
need=()
want() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
case $bench in
  local | cli) want parallel parallel ;;
  ssh) want parallel-ssh pssh; want pdsh pdsh; want parallel parallel ;;
  fleet) want parallel-ssh pssh; want pdsh pdsh; want ansible ansible; want parallel parallel; want /usr/bin/time time ;;
  transfer) want parallel-scp pssh; want rsync rsync ;;
  *) echo "ensure-bench-peers.sh: no peers listed for bench:$bench" >&2; exit 2 ;;
esac
bash "$(dirname "$0")/install-missing.sh" "bench:$bench compares with" "${need[@]}"
