#!/usr/bin/env bash
# Free-threaded CPython (PEP 703, `--disable-gil`) built from Debian's own
# source package, cached outside the clone; Debian ships no such binary:
#
#   tests/tools/build-ft.sh 3.13     -> /var/cache/coldbpf/ft/3.13t/python
#   tests/tools/build-ft.sh 3.14     -> /var/cache/coldbpf/ft/3.14t/python
#
# Prints the interpreter's path. The source comes from the Debian sid root
# (tests/tools/mkroot.sh sid), which gets a deb-src entry: `apt-get source
# --download-only python3.X` there (the newest version the mirror serves),
# unpacked with Debian's patches by dpkg-source on the host. The build runs on
# the host (Debian 12's gcc; only the core interpreter and the extension
# modules whose libraries are installed: no PGO, no LTO, no test suite) and
# the interpreter runs from its build tree, so no install step compiles the
# standard library three times.
# Cache: $COLDBPF_FT (default /var/cache/coldbpf/ft)/3.Xt. A build is complete
# once its .complete stamp names the source version and the configure flags;
# an interrupted run resumes (make picks up where it stopped; configure runs
# again only when it did not finish). A new source version or new flags
# rebuild from scratch. Needs root (the chroot) and Debian's apt.
set -euo pipefail
ver="${1:?usage: build-ft.sh 3.13|3.14}"
case "$ver" in
  3.13|3.14|3.15) ;;
  *) echo "build-ft: unsupported version '$ver' (3.13, 3.14 or 3.15)" >&2; exit 2 ;;
esac
cache="${COLDBPF_FT:-/var/cache/coldbpf/ft}"
dir="$cache/${ver}t"
flags="--disable-gil --without-ensurepip --without-doc-strings"
here=$(cd "$(dirname "$0")" && pwd)
if [ -e "$dir/.complete" ] && [ -x "$dir/src/python" ]; then
  case "$(cat "$dir/.complete")" in
    *" $flags") echo "$dir/src/python"; exit 0 ;;
  esac
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "build-ft: needs root (the sid root's apt, chroot)" >&2
  exit 1
fi
command -v dpkg-source >/dev/null || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dpkg-dev >&2
}
root=$(bash "$here/mkroot.sh" sid)
mkdir -p "$dir"
# 1. the source package, downloaded in the sid root (the host's apt knows
# only bookworm); the newest version the mirror actually serves
if [ ! -e "$dir/.fetched" ]; then
  mirror=$(awk '/^deb /{print $2; exit}' "$root/etc/apt/sources.list" 2>/dev/null || true)
  echo "deb-src ${mirror:-http://deb.debian.org/debian} sid main" > "$root/etc/apt/sources.list.d/coldbpf-src.list"
  chroot "$root" apt-get update -qq >&2
  dl="$root/var/tmp/coldbpf-ft-$ver"
  rm -rf "$dl" && mkdir -p "$dl"
  got=
  for v in $(chroot "$root" apt-cache showsrc "python$ver" | sed -n 's/^Version: //p' | sort -rV); do
    if chroot "$root" sh -c "cd /var/tmp/coldbpf-ft-$ver && apt-get source -qq --download-only python$ver=$v" >&2; then
      got=$v
      break
    fi
    echo "build-ft: python$ver $v is not served by the mirror; trying an older one" >&2
    rm -f "$dl"/*
  done
  [ -n "$got" ] || { echo "build-ft: no python$ver source package could be downloaded" >&2; exit 1; }
  rm -rf "$dir/src" "$dir/.configured"
  dpkg-source --no-check -x "$dl/python${ver}_${got}.dsc" "$dir/src" >&2
  rm -rf "$dl" "$dir"/*.orig.tar.*	# dpkg-source's copy of the tarball
  echo "python$ver $got" > "$dir/.fetched"
fi
srcver=$(cat "$dir/.fetched")
cd "$dir/src"
# 2. configure (again when the flags changed)
if [ ! -e "$dir/.configured" ] || [ "$(cat "$dir/.configured")" != "$flags" ]; then
  make distclean >/dev/null 2>&1 || true
  echo "build-ft: $srcver: ./configure $flags" >&2
  # shellcheck disable=SC2086
  ./configure -q $flags >&2
  echo "$flags" > "$dir/.configured"
fi
# 3. build: the interpreter and the extension modules (make's default target)
start=$(date +%s)
echo "build-ft: $srcver: make -j$(nproc)" >&2
make -s -j"$(nproc)" >&2
./python -c 'import sys; assert not sys._is_gil_enabled(), "GIL enabled"' >&2
echo "build-ft: $srcver built in $(( $(date +%s) - start )) s" >&2
echo "$srcver $flags" > "$dir/.complete"
echo "$dir/src/python"
