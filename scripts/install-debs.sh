#!/usr/bin/env bash
# Install the Debian packages ktrim's tests and demo need, only those missing.
# Idempotent and quick when everything is present. Usage: install-debs.sh [PKG...]
set -euo pipefail
pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
  pkgs=(qemu-system-x86 linux-source-6.1 linux-source-6.12 busybox-static build-essential flex bison bc
        libelf-dev libssl-dev cpio ccache distcc chromium xz-utils kmod time python3)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "I: installing Debian packages: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
