#!/bin/sh
# Peak memory of each process of a distributed fit (issue 14): no process
# holds the whole grid, only its stripe of the model's rows (learn.h,
# src/petsc/dfit.c), so what a process holds beside its share of the solver
# shrinks with the process count.
#
#   bench/mpi/fit_memory.sh MPI-GEOEMBED [EARLIER-MPI-GEOEMBED]
#
# SIZE="W H" is the grid (default 1601 1601: 2.6 million cells, whose levels
# nest for the geometric multigrid), RANKS the process counts (default 1 2
# 4), SAMPLES the samples (default 20000, uniform, a smooth wave). With an
# earlier build (one that held the whole grid on every process) each count
# runs with both, in turns. Each process runs under /usr/bin/time; prints a
# Markdown table of the largest and the summed peak resident memory of the
# processes and the run's wall time, and checks that the models of every
# build and count predict alike (the largest difference at 300 places).
set -eu
bin=${1:?usage: bench/mpi/fit_memory.sh MPI-GEOEMBED [EARLIER-MPI-GEOEMBED]}
old=${2:-}
SIZE=${SIZE:-1601 1601}
RANKS=${RANKS:-1 2 4}
SAMPLES=${SAMPLES:-20000}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1 LC_ALL=C
mpi="mpirun --oversubscribe --bind-to none --mca mpi_yield_when_idle 1"
dir=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-bench-fitmem.XXXXXX")
trap 'rm -rf "$dir"' EXIT
set -- $SIZE
W=$1 H=$2
awk -v n="$SAMPLES" 'BEGIN { srand(5); print "x,y,v"
    for (i = 0; i < n; i++) { x = rand() * 100; y = rand() * 50
        printf "%.5f,%.5f,%.6f\n", x, y, sin(x / 9) + cos(y / 6) } }' >"$dir/s.csv"
awk 'BEGIN { srand(11); print "x,y"
    for (i = 0; i < 300; i++) printf "%.4f,%.4f\n", rand() * 100, rand() * 50 }' >"$dir/at.csv"
echo "grid: $W x $H cells, $SAMPLES samples, fit --smooth 1 --draws 0"
echo
echo "| build | processes | wall s | largest peak RSS MB | sum of peak RSS MB |"
echo "|---|---:|---:|---:|---:|"
run() { # label binary processes
    rm -f "$dir"/time.* "$dir/m.gem"
    t0=$(date +%s.%N)
    # each process under its own time, named by its rank
    $mpi -n "$3" sh -c "exec /usr/bin/time -f %M -o $dir/time.\$OMPI_COMM_WORLD_RANK \
        $2 fit $dir/s.csv -o $dir/m.gem -q --size $W,$H --smooth 1 --draws 0"
    t1=$(date +%s.%N)
    cat "$dir"/time.* | awk -v l="$1" -v n="$3" -v t="$(echo "$t1 - $t0" | bc)" '
        { m = $1 > m ? $1 : m; s += $1 }
        END { printf "| %s | %d | %.1f | %.0f | %.0f |\n", l, n, t, m / 1000, s / 1000 }'
    "$2" predict "$dir/m.gem" "$dir/at.csv" -o "$dir/p.$1.$3.csv" -q
}
for n in $RANKS; do
    run this "$bin" "$n"
    [ -n "$old" ] && run earlier "$old" "$n"
done
echo
first=$(ls "$dir"/p.*.csv | head -1)
for f in "$dir"/p.*.csv; do
    paste -d, "$first" "$f" | awk -F, -v f="$(basename "$f" .csv)" 'NR > 1 {
        d = $3 - $6; d = d < 0 ? -d : d; m = d > m ? d : m }
        END { printf "%s: largest difference from the first %.3g\n", f, m }'
done
