#!/usr/bin/env bash
# make test-mpi: fits under mpirun against the local solver (issue 14).
#
#   tests/mpi/run.sh MPI-GEOEMBED LOCAL-GEOEMBED
#
# MPI-GEOEMBED is the PETSc build (make PETSC=1: build/petsc/geoembed),
# LOCAL-GEOEMBED the default build (sparse Cholesky). Each case fits the same
# samples with the local solver and with mpirun -n 1, 2 and 4, then predicts
# at 300 places with the local build: every prediction must equal the local
# model's within TOL (default 1e-6, in the targets' units: CG stops at a
# relative residual of 1e-10, and the fits here agree to about 1e-9). Then
# the refusals: other commands and unsupported fits under several processes.
# Prints "ok NAME" / "FAIL NAME: why" and "N passed, N failed".
set -u
mpi_bin=${1:?usage: tests/mpi/run.sh MPI-GEOEMBED LOCAL-GEOEMBED}
local_bin=${2:?usage: tests/mpi/run.sh MPI-GEOEMBED LOCAL-GEOEMBED}
TOL=${TOL:-1e-6}
export LC_ALL=C OMP_NUM_THREADS=1
# mpirun as root (containers, CI) and on fewer cores than processes
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=${MPIRUN:-mpirun --oversubscribe --mca mpi_yield_when_idle 1}
dir=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-mpi.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# Samples: two targets (a wave and a slope) at seeded places, the second
# missing at every 7th sample when asked.
samples() { # file count xmax ymax missing
    awk -v n="$2" -v X="$3" -v Y="$4" -v miss="$5" 'BEGIN {
        srand(7); print "x,y,v,u"
        for (i = 0; i < n; i++) {
            x = rand() * X; y = rand() * Y
            v = sin(x / 9) + cos(y / 6) + 0.1 * (rand() - 0.5)
            u = (miss && i % 7 == 3) ? "" : sprintf("%.6f", 0.02 * x - 0.01 * y + 0.1 * rand())
            printf "%.5f,%.5f,%.6f,%s\n", x, y, v, u
        }
    }' >"$1"
}

places() { # file xmax ymax
    awk -v X="$2" -v Y="$3" 'BEGIN { srand(11); print "x,y"
        for (i = 0; i < 300; i++) printf "%.4f,%.4f\n", rand() * X, rand() * Y }' >"$1"
}

# Largest difference between the prediction columns of two CSV files.
max_diff() {
    paste -d, "$1" "$2" | awk -F, 'NR == 1 { n = NF / 2; next }
        { for (k = 3; k <= n; k++) { d = $k - $(k + n); if (d < 0) d = -d; if (d > m) m = d } }
        END { printf "%.3g\n", m }'
}

# A case: NAME, samples file, places file, fit options.
same_fit() {
    local name=$1 in=$2 at=$3
    shift 3
    if ! "$local_bin" fit "$in" -o "$dir/local.gem" -q "$@" 2>"$dir/err" ||
        ! "$local_bin" predict "$dir/local.gem" "$at" -o "$dir/local.csv" -q 2>>"$dir/err"; then
        fail "$name" "local fit: $(head -1 "$dir/err")"
        return
    fi
    for n in 1 2 4; do
        rm -f "$dir/mpi.gem"
        if ! $MPIRUN -n "$n" "$mpi_bin" fit "$in" -o "$dir/mpi.gem" -q "$@" >"$dir/out" 2>"$dir/err" ||
            ! "$local_bin" predict "$dir/mpi.gem" "$at" -o "$dir/mpi.csv" -q 2>>"$dir/err"; then
            fail "$name -n $n" "$(grep -m1 geoembed "$dir/err")"
            continue
        fi
        d=$(max_diff "$dir/local.csv" "$dir/mpi.csv")
        if awk -v d="$d" -v t="$TOL" 'BEGIN { exit !(d <= t) }'; then
            ok "$name -n $n (largest difference $d)"
        else
            fail "$name -n $n" "predictions differ by $d (tolerance $TOL)"
        fi
    done
}

samples "$dir/plain.csv" 1000 100 50 0
places "$dir/at.csv" 100 50
same_fit planar "$dir/plain.csv" "$dir/at.csv" --smooth 1
samples "$dir/missing.csv" 1000 100 50 1
same_fit missing-values "$dir/missing.csv" "$dir/at.csv" --smooth 1
same_fit wrap-xy "$dir/plain.csv" "$dir/at.csv" --smooth 1 --wrap xy
same_fit wrap-x "$dir/plain.csv" "$dir/at.csv" --smooth 10 --wrap x

# Refusals: one "geoembed: " line on stderr from rank 0, exit 1, no model.
refused() { # name, expected words, command...
    local name=$1 words=$2
    shift 2
    rm -f "$dir/no.gem"
    $MPIRUN -n 2 "$mpi_bin" "$@" >"$dir/out" 2>"$dir/err"
    local lines
    lines=$(grep -c '^geoembed: ' "$dir/err")
    if [ -e "$dir/no.gem" ]; then
        fail "$name" "a model was written"
    elif [ "$lines" != 1 ] || ! grep -q "$words" "$dir/err"; then
        fail "$name" "expected one 'geoembed: ...$words...' line, got: $(head -c 300 "$dir/err")"
    else
        ok "$name"
    fi
}
refused refuses-robust-loss "exact squared error" fit "$dir/plain.csv" -o "$dir/no.gem" -q --smooth 1 --loss l1
refused refuses-draws "exact squared error" fit "$dir/plain.csv" -o "$dir/no.gem" -q --smooth 1 --draws 5
"$local_bin" fit "$dir/plain.csv" -o "$dir/m.gem" -q --smooth 1
refused refuses-predict "only fit spreads" predict "$dir/m.gem" "$dir/at.csv" -o "$dir/no.gem"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
