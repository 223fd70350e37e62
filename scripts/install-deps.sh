#!/bin/sh
# Install geoembed's build, test and benchmark dependencies from Debian's archive.
# Used by the README's quick start and by .ci/run, so both install the same set.
# Run as root (or with sudo available). Set GEOEMBED_DEPS_MINIMAL=1 to skip the
# benchmark-only packages (PyTorch, NumPy).
set -eu

pkgs="build-essential make gcc git pkg-config ca-certificates
  libgdal-dev gdal-bin libproj-dev proj-bin libcsv-dev zlib1g-dev libcairo2-dev
  libsuitesparse-dev liblapack-dev libblas-dev libopenblas0-openmp
  libcriterion-dev valgrind mandoc man-db bash-completion zsh fish python3"
bench="python3-torch python3-numpy time"

missing=""
for p in $pkgs $( [ "${GEOEMBED_DEPS_MINIMAL:-0}" = 1 ] || echo "$bench" ); do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing="$missing $p"
done

if [ -z "$missing" ]; then
  echo "install-deps: everything is installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
