#!/bin/sh
# Peak memory of each process of predict --grid from a large model (issue
# 14): under mpirun every process reads from the model file only the rows
# of the model under its band of the grid (src/io/model_part.c).
#
#   bench/mpi/parts.sh MPI-GEOEMBED LOCAL-GEOEMBED
#
# SIZE="W H" is the model's grid (default 3000 3000: 9 million cells of 4
# features, a 288 MB embedding), RANKS the process counts (default 1 4). The
# model is trained by 2 gradient epochs (cheap, and every cell non-zero
# through the penalty); the grid is the model's own (one pixel a cell). Each
# process runs under /usr/bin/time -v; prints a Markdown table of the peak
# resident memory of every process, the wall time of the run, and checks
# that the raster is the default build's, byte for byte.
set -eu
mpi_bin=${1:?usage: bench/mpi/parts.sh MPI-GEOEMBED LOCAL-GEOEMBED}
local_bin=${2:?usage: bench/mpi/parts.sh MPI-GEOEMBED LOCAL-GEOEMBED}
SIZE=${SIZE:-3000 3000}
RANKS=${RANKS:-1 4}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 LC_ALL=C
mpi="mpirun --oversubscribe --bind-to none --mca mpi_yield_when_idle 1"
dir=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-bench-parts.XXXXXX")
trap 'rm -rf "$dir"' EXIT
set -- $SIZE
awk 'BEGIN { srand(3); print "x,y,v"
    for (i = 0; i < 20000; i++) { x = rand() * 100; y = rand() * 50
        printf "%.5f,%.5f,%.6f\n", x, y, sin(x / 9) + cos(y / 6) } }' >"$dir/s.csv"
"$local_bin" fit "$dir/s.csv" -o "$dir/m.gem" -q --size "$1,$2" --method gradient --epochs 2 \
    --smooth 1
echo "model: $1 x $2 cells, file $(($(wc -c <"$dir/m.gem") / 1000000)) MB"
/usr/bin/time -f '%e %M' -o "$dir/time" "$local_bin" predict "$dir/m.gem" --grid "$dir/one.tif" -q
echo
echo "| run | wall s | peak RSS MB of each process |"
echo "|---|---:|---|"
echo "| default build | $(cut -d' ' -f1 "$dir/time") | $(($(cut -d' ' -f2 "$dir/time") / 1000)) |"
for n in $RANKS; do
    rm -f "$dir/mpi.tif" "$dir"/time.*
    t0=$(date +%s.%N)
    # each process under its own time, named by its rank
    $mpi -n "$n" sh -c "exec /usr/bin/time -v -o $dir/time.\$OMPI_COMM_WORLD_RANK \
        $mpi_bin predict $dir/m.gem --grid $dir/mpi.tif -v" 2>"$dir/err"
    t1=$(date +%s.%N)
    cmp -s "$dir/one.tif" "$dir/mpi.tif" || { echo "-n $n: the raster differs" >&2; exit 1; }
    rss=$(for r in $(seq 0 $((n - 1))); do
        echo $(($(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/time.$r") / 1000))
    done | paste -sd' ')
    echo "| mpirun -n $n | $(echo "$t1 - $t0" | bc | sed 's/^\./0./;s/\(\.[0-9][0-9]\).*/\1/') | $rss |"
    sed -n 's/.*\(rows of the model.*\)/   (\1)/p' "$dir/err" >&2
done
