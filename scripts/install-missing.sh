#!/usr/bin/env bash
# Usage: install-missing.sh WHO PACKAGE... — installs these Debian packages (as root), or says WHO needs them.
set -euo pipefail
who=$1
shift
[ $# -gt 0 ] || exit 0
if [ "$(id -u)" != 0 ]; then
  echo "$who these Debian packages: $* (run as root to install them)" >&2
  exit 1
fi
echo "Installing $* …" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "$@" >&2
