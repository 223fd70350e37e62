#!/bin/sh
# make bench-mpi, second part: predict --grid under mpirun (issue 14 item 3)
# against one process of the default build, on this machine.
#
#   bench/mpi/predict.sh MPI-GEOEMBED LOCAL-GEOEMBED
#
# GRID="COLS ROWS" is the raster (default 3000 3000), RANKS the process
# counts. A model of two targets with its spread is fit once (the local
# solver); each run writes the grid with --std (four bands) as the default
# GeoTIFF (DEFLATE) and uncompressed, and must be the local build's file byte
# for byte. Prints a Markdown table of wall seconds (best of 2) and the peak
# resident memory (of the largest process under mpirun).
set -eu
mpi_bin=${1:?usage: bench/mpi/predict.sh MPI-GEOEMBED LOCAL-GEOEMBED}
local_bin=${2:?usage: bench/mpi/predict.sh MPI-GEOEMBED LOCAL-GEOEMBED}
GRID=${GRID:-3000 3000}
RANKS=${RANKS:-1 2 4}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 LC_ALL=C
mpi="mpirun --oversubscribe --bind-to none --mca mpi_yield_when_idle 1"
dir=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-bench-mpi.XXXXXX")
trap 'rm -rf "$dir"' EXIT
set -- $GRID
size="$1,$2"

awk 'BEGIN { srand(3); print "x,y,v,u"
    for (i = 0; i < 5000; i++) { x = rand() * 100; y = rand() * 50
        printf "%.5f,%.5f,%.6f,%.6f\n", x, y, sin(x / 9) + cos(y / 6), 0.02 * x - 0.01 * y } }' \
    >"$dir/s.csv"
"$local_bin" fit "$dir/s.csv" -o "$dir/m.gem" -q --smooth 1 --draws 8

# "SECONDS MB": the faster of 2 runs, and its peak resident memory (of the
# largest process under mpirun)
timed() { # output, command...
    out=$1
    shift
    best=
    for k in 1 2; do
        rm -f "$out"
        /usr/bin/time -f '%e %M' -o "$dir/time" "$@" >/dev/null 2>&1
        t=$(cut -d' ' -f1 "$dir/time")
        m=$(cut -d' ' -f2 "$dir/time")
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$t mem=$m
        fi
    done
    echo "$best $((mem / 1024))"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(getconf _NPROCESSORS_ONLN) cores"
echo
echo "| run | grid | DEFLATE s | uncompressed s | peak RSS MB, DEFLATE run | same bytes |"
echo "|---|---|---:|---:|---:|---|"
set -- -q --std --size "$size"
z=$(timed "$dir/serial.tif" "$local_bin" predict "$dir/m.gem" --grid "$dir/serial.tif" "$@")
cp "$dir/serial.tif" "$dir/ref.tif"
u=$(timed "$dir/serialu.tif" "$local_bin" predict "$dir/m.gem" --grid "$dir/serialu.tif" "$@" --co COMPRESS=NONE)
cp "$dir/serialu.tif" "$dir/refu.tif"
echo "| default build | $GRID | ${z% *} | ${u% *} | ${z#* } | - |"
for r in $RANKS; do
    z=$(timed "$dir/mpi.tif" $mpi -n "$r" "$mpi_bin" predict "$dir/m.gem" --grid "$dir/mpi.tif" "$@")
    same=yes
    cmp -s "$dir/ref.tif" "$dir/mpi.tif" || same=NO
    u=$(timed "$dir/mpiu.tif" $mpi -n "$r" "$mpi_bin" predict "$dir/m.gem" --grid "$dir/mpiu.tif" "$@" --co COMPRESS=NONE)
    cmp -s "$dir/refu.tif" "$dir/mpiu.tif" || same=NO
    echo "| mpirun -n $r | $GRID | ${z% *} | ${u% *} | ${z#* } | $same |"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
