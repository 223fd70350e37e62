#!/bin/sh
# bench/accuracy/run.sh GEOEMBED [bench.py options]
#
# Held-out accuracy and wall time of geoembed's defaults against gdal_grid
# (invdist, invdistnn, nearest, linear) on synthetic fields with known truth,
# then geoembed fill against gdal_fillnodata on a DEM with holes (fill.py).
# Run by `make bench-accuracy`; see bench/accuracy/README.md. Prints markdown
# tables and writes them to bench/accuracy/RESULTS.md.
#
# Needs gdal_grid (Debian: gdal-bin) and a Python 3 with numpy (Debian:
# python3-numpy); set ACCURACY_PYTHON to choose the interpreter.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: bench/accuracy/run.sh PATH/TO/geoembed [options]" >&2
    exit 2
fi
case $1 in
/*) BIN=$1 ;;
*/*) BIN=$(pwd)/$1 ;;
*) BIN=$(command -v "$1" || echo "$1") ;;
esac
shift
HERE=$(cd "$(dirname "$0")" && pwd)

if [ ! -x "$BIN" ]; then
    echo "bench-accuracy: $BIN is not an executable" >&2
    exit 1
fi
if ! command -v gdal_grid >/dev/null 2>&1; then
    echo "bench-accuracy: gdal_grid not found (Debian: apt-get install gdal-bin)" >&2
    exit 1
fi
PY=
for c in ${ACCURACY_PYTHON:-} python3 /usr/bin/python3; do
    if "$c" -c 'import numpy' >/dev/null 2>&1; then PY=$c; break; fi
done
if [ -z "$PY" ]; then
    echo "bench-accuracy: no python3 with numpy (Debian: apt-get install python3-numpy;" >&2
    echo "                or set ACCURACY_PYTHON)" >&2
    exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-accuracy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
"$PY" -B "$HERE/bench.py" "$BIN" "$WORK" --results "$HERE/RESULTS.md" "$@"
# gdal_fillnodata.py needs GDAL's Python bindings (Debian: python3-gdal); fill.py
# says so in the table when it is missing
"$PY" -B "$HERE/fill.py" "$BIN" "$WORK" --results "$HERE/RESULTS.md"
