#!/usr/bin/env bash
# Installs the tools `npm run bench:transfer` compares fanout with (Debian's pssh: parallel-scp, parallel-rsync,
# parallel-slurp; and rsync, which parallel-rsync runs on both ends) when they are missing.
set -euo pipefail
need=()
command -v parallel-scp >/dev/null 2>&1 || need+=(pssh)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench:transfer compares with these Debian packages: ${need[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "Installing ${need[*]} …" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
