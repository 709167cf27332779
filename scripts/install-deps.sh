#!/usr/bin/env bash
# Installs what coldbpf needs to build and test, from Debian's packages only.
# Idempotent: installs nothing when every package is present. Needs root.
set -euo pipefail
pkgs=(make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libjansson-dev
      libcriterion-dev pkg-config python3 python3.11 python3.11-dev python3-coverage chromium
      libclang-rt-14-dev util-linux debootstrap gunicorn python3-flask python3-docutils python3-sphinx
      libmicrohttpd-dev prometheus golang-go dpkg-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
