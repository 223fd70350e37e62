#!/bin/sh
# make bench-mpi: strong and weak scaling of the distributed solve on this
# machine (issue 14), one solve per run, 1, 2 and 4 processes.
#
#   bench/mpi/run.sh build/petsc/geoembed-scaling
#
# STRONG="W H" is the fixed grid of the strong scaling (default 800 800),
# WEAK=B the block of cells per process of the weak scaling (default 400:
# B x B on 1 process, 2B x B on 2, 2B x 2B on 4; 2B - 1 for an odd B), RANKS
# the process counts. Grids whose multigrid levels nest (2^k m + 1 cells:
# STRONG="4001 4001" WEAK=401) solve by geometric multigrid, the others by
# BoomerAMG (the preconditioner column; PETSC_OPTIONS chooses otherwise).
# Prints a Markdown table; bench/SCALING.md holds the figures and the
# projection made from them.
set -eu
bin=${1:?usage: bench/mpi/run.sh GEOEMBED-SCALING}
STRONG=${STRONG:-800 800}
WEAK=${WEAK:-400}
RANKS=${RANKS:-1 2 4}
# Root may run MPI here (containers); processes wait without spinning, one
# thread each (the machine's cores are the processes').
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
mpi="mpirun --oversubscribe --mca mpi_yield_when_idle 1"

field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

row() { # kind ranks W H
    out=$($mpi -n "$2" "$bin" "$3" "$4") || { echo "| $1 | $2 | $3x$4 | failed |"; return; }
    echo "| $1 | $2 | $3x$4 | $(field "$out" pc) | $(field "$out" samples) | $(field "$out" iterations) |" \
         "$(field "$out" setup_s) | $(field "$out" solve_s) | $(field "$out" s_per_iteration) |" \
         "$(field "$out" halo_bytes_per_matvec) | $(field "$out" sent_bytes_per_iteration) |" \
         "$(field "$out" matrix_mb_max_rank) | $(field "$out" peak_rss_mb_max_rank) |"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(getconf _NPROCESSORS_ONLN) cores"
echo
echo "| scaling | ranks | grid | preconditioner | samples | CG iterations | setup s | solve s | s/iteration |" \
     "halo bytes/matvec | sent bytes/iteration | matrix MB/rank | peak RSS MB/rank |"
echo "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
set -- $STRONG
for r in $RANKS; do row strong "$r" "$1" "$2"; done
for r in $RANKS; do
    w=$WEAK h=$WEAK
    # an odd block doubles to 2B - 1 cells: its multigrid levels still nest
    [ "$r" -ge 2 ] && w=$((2 * WEAK - WEAK % 2))
    [ "$r" -ge 4 ] && h=$((2 * WEAK - WEAK % 2))
    row weak "$r" "$w" "$h"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
