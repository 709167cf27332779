#!/usr/bin/env bash
# Debian roots holding interpreters the host does not have, made once per
# machine with debootstrap and cached outside the clone:
#
#   tests/tools/mkroot.sh sid        python3.13, python3.14, python3.15 (Debian sid),
#                                    python3.14d (python3.14-dbg: a second build of 3.14)
#   tests/tools/mkroot.sh bullseye   python3.9 (Debian 11)
#
# Prints the root's path. Tests run an interpreter there with
# `chroot ROOT python3.14 ...`: coldbpf must then find everything through
# /proc/PID/root (the target's own root), as with any container.
# Cache: $COLDBPF_ROOTS (default /var/cache/coldbpf/roots); a root is
# complete once its .complete stamp names the packages; an interrupted run
# resumes (debootstrap again only when that step did not finish). Adding a
# package to a list changes the stamp: a cached root gets it on the next run.
# Needs root and Debian's apt (no other network).
set -euo pipefail
suite="${1:?usage: mkroot.sh sid|bullseye}"
cache="${COLDBPF_ROOTS:-/var/cache/coldbpf/roots}"
case "$suite" in
  sid) pkgs="python3.13 python3.14 python3.15 python3.14-dbg python3.13-dev python3.14-dev python3.15-dev python3-docutils python3-coverage gunicorn python3-flask" ;;
  bullseye) pkgs="python3.9" ;;
  *) echo "mkroot: unknown suite '$suite' (sid or bullseye)" >&2; exit 2 ;;
esac
root="$cache/$suite"
if [ -e "$root/.complete" ] && [ "$(cat "$root/.complete")" = "$pkgs" ]; then
  echo "$root"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "mkroot: needs root (debootstrap, chroot)" >&2
  exit 1
fi
command -v debootstrap >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
}
# the mirror the host's apt uses
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
mirror="${mirror:-http://deb.debian.org/debian}"
if [ ! -e "$root/.debootstrapped" ]; then
  rm -rf "$root"
  mkdir -p "$cache"
  echo "mkroot: debootstrap --variant=minbase $suite $root ($mirror)" >&2
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >&2
  echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99coldbpf"
  touch "$root/.debootstrapped"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# a root made earlier gets the packages added since (no new debootstrap)
[ -e "$root/.complete" ] && chroot "$root" apt-get update -qq >&2 || true
# shellcheck disable=SC2086
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >&2
chroot "$root" apt-get clean >&2
echo "$pkgs" > "$root/.complete"
echo "$root"
