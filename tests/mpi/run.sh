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
# relative residual of 1e-10, and the fits here agree to about 1e-9; the
# models of several processes are written by stripes, model_stripes.h). Then
# predict --grid under mpirun against one process (the same bytes), the
# refusals (other commands, unsupported fits and outputs) and failures of
# one process or all (one message, an exit status, nothing left, no hang).
# Prints "ok NAME" / "FAIL NAME: why" and "N passed, N failed".
set -u
mpi_bin=${1:?usage: tests/mpi/run.sh MPI-GEOEMBED LOCAL-GEOEMBED}
local_bin=${2:?usage: tests/mpi/run.sh MPI-GEOEMBED LOCAL-GEOEMBED}
# from the root: some processes start in other working directories
mpi_bin=$(cd "$(dirname "$mpi_bin")" && pwd)/$(basename "$mpi_bin")
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
# grids whose levels nest solve by geometric multigrid (dsolve.c), the
# others above by BoomerAMG; the same answer
same_fit multigrid "$dir/plain.csv" "$dir/at.csv" --smooth 1 --size 129,65
same_fit multigrid-wrap-xy "$dir/plain.csv" "$dir/at.csv" --smooth 1 --size 128,64 --wrap xy
# Fits in stripes: no process holds the whole grid (learn.h). Each fits a
# part of the model, its stripe of rows (-v lists them), and computes the
# coverage of its rows, the rows beside them travelling between neighbours:
# the coverage is the local model's bit for bit (the end of the inflated
# payload: the coverage's floats and what follows them), and the cells
# --max-distance leaves empty are the local model's, on data with a gap that
# the nearest samples cross stripes to fill.
same_end() { # model model bytes: the last bytes of their payloads are equal
    python3 -c 'import sys, zlib
a, b = (zlib.decompress(open(p, "rb").read()[32:]) for p in sys.argv[1:3])
sys.exit(a[-int(sys.argv[3]):] != b[-int(sys.argv[3]):])' "$@"
}
$MPIRUN -n 4 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/mpi.gem" -v --smooth 1 --size 40,20 \
    2>"$dir/err" >/dev/null
got=$(sed -n "s/.*fit: rows of the model's \([0-9]*\) held by 4 processes: \([^(]*\) (.*/\1: \2/p" "$dir/err")
if [ "$got" = "40: 0-9, 10-19, 20-29, 30-39" ]; then
    ok "stripes-rows-held ($got)"
else
    fail stripes-rows-held "expected '40: 0-9, 10-19, 20-29, 30-39', got '$got'"
fi
awk 'BEGIN { srand(3); print "x,y,v"
    for (i = 0; i < 300; i++) { x = rand() * 100; y = rand() * 50
        if (x > 30 && x < 60) continue
        printf "%.5f,%.5f,%.6f\n", x, y, sin(x / 9) + cos(y / 6) } }' >"$dir/gap.csv"
for wrap in none x xy; do
    wrap_opt=()
    [ "$wrap" != none ] && wrap_opt=(--wrap "$wrap")
    "$local_bin" fit "$dir/plain.csv" -o "$dir/local.gem" -q --smooth 1 --draws 0 --size 60,30 \
        "${wrap_opt[@]}"
    for n in 2 3 4; do
        $MPIRUN -n "$n" "$mpi_bin" fit "$dir/plain.csv" -o "$dir/mpi.gem" -q --smooth 1 --size 60,30 \
            "${wrap_opt[@]}"
        # 60 x 30 cells: 7,200 bytes of coverage, the tail after it, and
        # the end of the kernel and bias before it (exact: 1 and 0)
        if same_end "$dir/local.gem" "$dir/mpi.gem" 7300; then
            ok "stripes-coverage-bits wrap $wrap -n $n"
        else
            fail "stripes-coverage-bits wrap $wrap -n $n" "the coverage differs from one process's"
        fi
    done
    "$local_bin" fit "$dir/gap.csv" -o "$dir/local.gem" -q --smooth 1 "${wrap_opt[@]}"
    "$local_bin" predict "$dir/local.gem" --grid "$dir/local-gap.csv" --max-distance 2 -q
    empty=$(grep -c ',$' "$dir/local-gap.csv")
    for n in 2 3 4; do
        $MPIRUN -n "$n" "$mpi_bin" fit "$dir/gap.csv" -o "$dir/mpi.gem" -q --smooth 1 "${wrap_opt[@]}"
        "$local_bin" predict "$dir/mpi.gem" --grid "$dir/mpi-gap.csv" --max-distance 2 -q
        differ=$(paste -d, "$dir/local-gap.csv" "$dir/mpi-gap.csv" |
            awk -F, 'NR > 1 && (($3 == "") != ($6 == ""))' | wc -l)
        if [ "$differ" = 0 ] && [ "$empty" -gt 1000 ]; then
            ok "stripes-coverage wrap $wrap -n $n ($empty cells beyond 2 units, as one process)"
        else
            fail "stripes-coverage wrap $wrap -n $n" "$differ of $empty cells masked otherwise"
        fi
    done
done
# --smooth auto: the same folds and candidates at any process count, each
# held-out error added over the stripes; the same choice and model.
choices=""
for n in 1 2 4; do
    $MPIRUN -n "$n" "$mpi_bin" fit "$dir/plain.csv" -o "$dir/auto$n.gem" --size 40,20 \
        2>"$dir/err" >/dev/null
    choices="$choices$(grep -o 'chose smooth [^ ]*' "$dir/err" | cut -d' ' -f3) "
    "$local_bin" predict "$dir/auto$n.gem" "$dir/at.csv" -o "$dir/auto$n.csv" -q
done
set -- $choices
d=$(max_diff "$dir/auto1.csv" "$dir/auto4.csv")
if [ $# = 3 ] && [ "$1" = "$2" ] && [ "$1" = "$3" ] &&
    awk -v d="$d" -v t="$TOL" 'BEGIN { exit !(d <= t) }'; then
    ok "stripes-smooth-auto (smooth $1 at -n 1, 2, 4; largest difference $d)"
else
    fail stripes-smooth-auto "choices '$choices', largest difference $d"
fi

pcs=""
for size in 129,65 130,65; do
    $MPIRUN -n 2 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/mpi.gem" --smooth 1 --size $size \
        2>"$dir/err" >/dev/null
    pcs="$pcs$(sed -n 's/.*CG iterations (\([a-z]*\) preconditioner).*/\1/p' "$dir/err") "
done
if [ "$pcs" = "mg hypre " ]; then
    ok "preconditioner-by-grid ($pcs)"
else
    fail preconditioner-by-grid "expected mg for 129x65 cells and hypre for 130x65, got '$pcs'"
fi

# Distributed predict --grid: the raster of R processes is the file one
# process writes, byte for byte (values, the --std band, tiles, metadata).
# Shapes: rows that do not divide among 4 processes, tiles (the default
# GeoTIFF), strips (TILED=NO: chunks of several blocks) and COG (staged).
"$local_bin" fit "$dir/plain.csv" -o "$dir/std.gem" -q --smooth 1 --draws 8 --size 40,20
same_grid() { # name, predict options... (GRID_MODEL: another model)
    local name=$1 model=${GRID_MODEL:-$dir/std.gem}
    shift
    if ! "$local_bin" predict "$model" --grid "$dir/serial.tif" -q "$@" 2>"$dir/err"; then
        fail "$name" "serial predict: $(head -1 "$dir/err")"
        return
    fi
    for n in 1 2 4; do
        rm -f "$dir/mpi.tif"
        if ! timeout 120 $MPIRUN -n "$n" "$mpi_bin" predict "$model" --grid "$dir/mpi.tif" -q \
            "$@" >"$dir/out" 2>"$dir/err"; then
            fail "$name -n $n" "$(grep -m1 geoembed "$dir/err")"
        elif ! cmp -s "$dir/serial.tif" "$dir/mpi.tif"; then
            fail "$name -n $n" "the raster differs from one process's"
        else
            ok "$name -n $n (identical, $(wc -c <"$dir/mpi.tif") bytes)"
        fi
    done
}
same_grid grid-tiles-std --size 300,701 --std
same_grid grid-strips --size 123,517 --co TILED=NO --co BLOCKYSIZE=16
same_grid grid-cog --size 200,300 --of COG --std
same_grid grid-exceed --size 64,48 --exceed v=0.5
# A covariate raster warped onto the grid: each process reads the window of
# its band of columns only (covariate_grid.c); the same cells as one process.
awk 'BEGIN { srand(5); print "x,y,d,v"
    for (i = 0; i < 600; i++) { x = rand() * 100; y = rand() * 50; d = x / 20 + 0.3 * sin(y / 4)
        printf "%.5f,%.5f,%.6f,%.6f\n", x, y, d, sin(x / 9) + cos(y / 6) + 0.7 * d } }' >"$dir/cov.csv"
awk 'BEGIN { print "ncols 120"; print "nrows 70"; print "xllcorner -10"; print "yllcorner -10"
    print "cellsize 1"
    for (r = 0; r < 70; r++) { l = ""; y = 59.5 - r
        for (c = 0; c < 120; c++) l = l " " sprintf("%.6f", (c - 9.5) / 20 + 0.3 * sin(y / 4))
        print l } }' >"$dir/d.asc"
"$local_bin" fit "$dir/cov.csv" -o "$dir/cov.gem" -q --smooth 1 --draws 8 --size 40,20 --covariates d
GRID_MODEL=$dir/cov.gem same_grid grid-covariates --size 150,77 --covariate "d=$dir/d.asc" --std
# Each process reads from the model file only the rows of the model under
# its band of columns (grid_band.h, model_part.h); -v tells them. The
# 300-pixel grid over the 40-cell model: bands of 75 pixels, 10 cells, and
# the bilinear read-out's neighbour row beside them.
parts() { # name, expected rows, mpirun arguments...
    local name=$1 want=$2
    shift 2
    rm -f "$dir/mpi.tif"
    timeout 120 $MPIRUN "$@" >"$dir/out" 2>"$dir/err"
    local got
    got=$(sed -n 's/.*rows of the model.s \([0-9]*\) held by [0-9]* processes: \([^(]*\) (.*/\1: \2/p' "$dir/err")
    if [ "$got" = "$want" ]; then
        ok "$name ($got)"
    else
        fail "$name" "expected the rows '$want', got '$got' $(grep -m1 geoembed "$dir/err")"
    fi
}
parts grid-parts-4 "40: 0-10, 9-20, 19-30, 29-39" \
    -n 4 "$mpi_bin" predict "$dir/std.gem" --grid "$dir/mpi.tif" -v --size 300,701 --std
parts grid-parts-2 "40: 0-20, 19-39" \
    -n 2 "$mpi_bin" predict "$dir/std.gem" --grid "$dir/mpi.tif" -v --size 300,701 --std
# A model wrapped along x, the grid twice its width: a band's rows run
# across the seam, and the raster is still one process's.
"$local_bin" fit "$dir/plain.csv" -o "$dir/std.gem" -q --smooth 1 --size 40,20 --wrap x
parts grid-parts-seam "40: 39-18, 17-36, 36-14, 14-33" \
    -n 4 "$mpi_bin" predict "$dir/std.gem" --grid "$dir/mpi.tif" -v --size 160,40 --bbox -5,0,195,50
same_grid grid-wrap-x --size 160,40 --bbox -5,0,195,50
# A grid in another CRS than the model's: a band's rows are found by a pass
# over its places, carried into the model's CRS.
awk 'BEGIN { srand(7); print "x,y,v"; for (i = 0; i < 1000; i++) {
    x = 500000 + rand() * 100000; y = 5000000 + rand() * 50000
    printf "%.2f,%.2f,%.6f\n", x, y, sin(x / 9000) + cos(y / 6000) } }' >"$dir/utm.csv"
"$local_bin" fit "$dir/utm.csv" -o "$dir/std.gem" -q --smooth 1 --size 40,20 --src-crs EPSG:32633
parts grid-parts-reprojected "40: 0-10, 9-20, 19-30, 29-39" \
    -n 4 "$mpi_bin" predict "$dir/std.gem" --grid "$dir/mpi.tif" -v --dst-crs EPSG:4326 --size 150,90
same_grid grid-reprojected --dst-crs EPSG:4326 --size 150,90
# a model of several processes (written by stripes), read by parts
$MPIRUN -n 4 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/std.gem" -q --smooth 1 --size 40,20
same_grid grid-striped-model --size 97,45
# the --std bands are really there (targets v and u, then v_std and u_std),
# with positive deviations (the model with them again)
"$local_bin" fit "$dir/plain.csv" -o "$dir/std.gem" -q --smooth 1 --draws 8 --size 40,20
"$local_bin" predict "$dir/std.gem" --grid "$dir/serial.tif" -q --size 30,20 --std
timeout 60 $MPIRUN -n 2 "$mpi_bin" predict "$dir/std.gem" --grid "$dir/mpi.tif" -q --size 30,20 --std
bands=$(gdalinfo -stats "$dir/mpi.tif" 2>/dev/null | awk '
    /^Band / { b = $2 } /Description = / { name[b] = $3 }
    /STATISTICS_MINIMUM=/ { split($0, f, "="); low[b] = f[2] }
    END { for (k = 1; k <= b; k++) printf "%s:%s ", name[k], (k > 2 ? (low[k] > 0 ? "pos" : "NOT") : "") }')
if [ "$bands" = "v: u: v_std:pos u_std:pos " ]; then
    ok "grid-std-bands ($bands)"
else
    fail grid-std-bands "expected v, u and positive v_std, u_std bands, got '$bands'"
fi

# Failures: one "geoembed: " line on stderr (from the first process that
# failed, whichever it is), the exit status, no output left behind, and no
# process left waiting (a hang fails by the timeout).
# Outputs go to $dir/none, which must stay empty (no temporary file either).
fails() { # name, status, expected words, mpirun arguments...
    local name=$1 status=$2 words=$3
    shift 3
    rm -rf "$dir/none" && mkdir "$dir/none"
    local t0=$SECONDS
    timeout 60 $MPIRUN "$@" >"$dir/out" 2>"$dir/err"
    local rc=$? lines
    lines=$(grep -c '^geoembed: ' "$dir/err")
    if [ "$rc" = 124 ]; then
        fail "$name" "hung (stopped after 60 s)"
    elif [ "$rc" != "$status" ]; then
        fail "$name" "exit $rc, expected $status: $(grep -m1 geoembed "$dir/err")"
    elif [ -n "$(ls -A "$dir/none")" ]; then
        fail "$name" "an output was left: $(ls -A "$dir/none")"
    elif [ "$lines" != 1 ] || ! grep -q "$words" "$dir/err"; then
        fail "$name" "expected one 'geoembed: ...$words...' line, got: $(head -c 300 "$dir/err")"
    else
        ok "$name (exit $rc after $((SECONDS - t0)) s)"
    fi
}
refused() { # name, expected words, command... (two processes, exit 1)
    local name=$1 words=$2
    shift 2
    fails "$name" 1 "$words" -n 2 "$mpi_bin" "$@"
}
refused refuses-robust-loss "exact squared error" fit "$dir/plain.csv" -o "$dir/none/m.gem" -q --smooth 1 --loss l1
refused refuses-draws "exact squared error" fit "$dir/plain.csv" -o "$dir/none/m.gem" -q --smooth 1 --draws 5
"$local_bin" fit "$dir/plain.csv" -o "$dir/m.gem" -q --smooth 1
refused refuses-predict-points "only fit and predict --grid" predict "$dir/m.gem" "$dir/at.csv" -o "$dir/none/m.gem"
refused refuses-eval "only fit and predict --grid" eval "$dir/m.gem" "$dir/plain.csv"
fails refuses-csv-grid 2 "CSV grid is written by one process" \
    -n 2 "$mpi_bin" predict "$dir/m.gem" --grid "$dir/none/g.csv" -q
fails fit-output-dir-missing 1 "nowhere/m.gem: cannot write" \
    -n 2 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/nowhere/m.gem" -q --smooth 1
# One process alone fails: mpirun's colon starts processes in other working
# directories (as on nodes whose local files differ), the same command line;
# only the first directory holds the input.
mkdir -p "$dir/here" "$dir/there"
cp "$dir/plain.csv" "$dir/m.gem" "$dir/here/"
fails fit-rank1-input-missing 1 "plain.csv: cannot open" \
    -n 1 --wdir "$dir/here" "$mpi_bin" fit plain.csv -o "$dir/none/m.gem" -q --smooth 1 : \
    -n 1 --wdir "$dir/there" "$mpi_bin" fit plain.csv -o "$dir/none/m.gem" -q --smooth 1
fails grid-output-dir-missing 1 "nowhere/g.tif: cannot write" \
    -n 2 "$mpi_bin" predict "$dir/m.gem" --grid "$dir/nowhere/g.tif" -q --size 30,20
fails grid-rank2-model-missing 1 "m.gem: cannot open model" \
    -n 2 --wdir "$dir/here" "$mpi_bin" predict m.gem --grid "$dir/none/g.tif" -q --size 30,20 : \
    -n 2 --wdir "$dir/there" "$mpi_bin" predict m.gem --grid "$dir/none/g.tif" -q --size 30,20
# processes with different command lines would not meet in the same steps
fails different-commands 2 "different command lines" \
    -n 1 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/none/m.gem" -q --smooth 1 : \
    -n 1 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/none/m.gem" -q --smooth 10

# Each process parses its share of a CSV file (src/petsc/csv_share.c): the
# cuts fall between rows, never inside a quoted field that spans lines; CRLF
# line ends, weights and --where as in a whole read.
awk 'BEGIN { srand(5); printf "x,y,note,v,wt\r\n"
    for (i = 0; i < 1500; i++) {
        x = rand() * 100; y = rand() * 50
        note = (i % 5 == 0) ? "\"two\r\nlines, \"\"quoted\"\"\"" : "plain"
        printf "%.5f,%.5f,%s,%.6f,%.3f\r\n", x, y, note, sin(x / 9) + cos(y / 6), 0.5 + rand()
    } }' >"$dir/quoted.csv"
same_fit shares-quoted-crlf "$dir/quoted.csv" "$dir/at.csv" --smooth 1 --target v --weight wt \
    --where "v > -1.5"
# the shares are real: four processes parse four parts that add up to all rows
$MPIRUN -n 4 "$mpi_bin" fit "$dir/quoted.csv" -o "$dir/mpi.gem" -v --smooth 1 --target v \
    2>"$dir/err" >/dev/null
shares=$(sed -n 's/.*rows parsed by 4 processes: //p' "$dir/err")
if echo "$shares" | awk -F', ' '{ for (k = 1; k <= NF; k++) { s += $k; if ($k < 300) bad = 1 } }
        END { exit !(NF == 4 && s == 1500 && !bad) }'; then
    ok "shares-parsed-apart ($shares)"
else
    fail shares-parsed-apart "expected 4 shares of about 375 rows adding up to 1500, got '$shares'"
fi
# the same data and options at the same process count: the same bytes
$MPIRUN -n 4 "$mpi_bin" fit "$dir/quoted.csv" -o "$dir/again.gem" -q --smooth 1 --target v
if cmp -s "$dir/mpi.gem" "$dir/again.gem"; then
    ok "shares-deterministic (-n 4 twice: identical models)"
else
    fail shares-deterministic "two fits at -n 4 wrote different models"
fi
# A bad row near the end lies in the last process's share: its line number
# (counted across the quoted fields' lines), one message, exit 1. With a
# second bad row in the first share, that one is reported (the file's first).
awk 'NR == 1 || NR < 1790 { print; next } NR == 1790 { print "1.5,oops,plain,0.1,1\r" } { print }' \
    "$dir/quoted.csv" >"$dir/bad-end.csv"
for n in 1 2 4; do
    fails "shares-bad-row-last-share -n $n" 1 "bad-end.csv:1790: column 'y' (2): expected a finite number, got 'oops'" \
        -n "$n" "$mpi_bin" fit "$dir/bad-end.csv" -o "$dir/none/m.gem" -q --smooth 1 --target v
done
# the same without --target: the default targets (v, wt) are checked on
# every process's summary of its rows, once every process has read its
# share (not after the others gave up waiting, 10 s, with MPI_Abort)
t0=$SECONDS
fails shares-bad-row-default-targets 1 "bad-end.csv:1790: column 'y' (2): expected a finite number, got 'oops'" \
    -n 4 "$mpi_bin" fit "$dir/bad-end.csv" -o "$dir/none/m.gem" -q --smooth 1
if [ $((SECONDS - t0)) -ge 10 ] || grep -q MPI_ABORT "$dir/err"; then
    fail shares-bad-row-default-targets-agreed "took $((SECONDS - t0)) s: the processes did not agree"
else
    ok "shares-bad-row-default-targets-agreed ($((SECONDS - t0)) s)"
fi
awk 'NR == 2 { print "2.5,bad,plain,0.1,1\r" } { print }' "$dir/bad-end.csv" >"$dir/bad-two.csv"
fails shares-first-bad-row-wins 1 "bad-two.csv:2: column 'y' (2): expected a finite number, got 'bad'" \
    -n 4 "$mpi_bin" fit "$dir/bad-two.csv" -o "$dir/none/m.gem" -q --smooth 1 --target v

# Every process holds a stripe of at least one row of the grid.
fails stripes-too-many-processes 1 "fitted by at most 4 processes, not 5" \
    -n 5 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/none/m.gem" -q --smooth 1 --size 4,20

# A solve whose preconditioner would not fit in memory is refused before its
# set-up (hypre would be killed without a word): one message, exit 1.
fails solve-memory-refused 1 "the distributed solve needs about .* MB on this node" \
    -n 2 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/none/m.gem" -q --smooth 1 --max-memory 2M

# Routed samples (cluster.h): each process keeps the rows it parsed, the
# settings' whole-data figures are sums, minima and maxima over the
# processes, then every sample goes to the process whose stripe holds its
# first read-out cell; no process holds them all. Targets named (the
# default targets' check needs every row, and joins them instead).
same_fit routed "$dir/plain.csv" "$dir/at.csv" --smooth 1 --target v,u
same_fit routed-missing-values "$dir/missing.csv" "$dir/at.csv" --smooth 1 --target v,u
same_fit routed-wrap-x "$dir/plain.csv" "$dir/at.csv" --smooth 10 --wrap x --target v,u
same_fit routed-multigrid-wrap-xy "$dir/plain.csv" "$dir/at.csv" --smooth 1 --size 128,64 \
    --wrap xy --target v,u
same_fit routed-default-grid "$dir/plain.csv" "$dir/at.csv" --target v --smooth 1
$MPIRUN -n 4 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/mpi.gem" -v --smooth 1 --size 40,20 \
    --target v,u 2>"$dir/err" >/dev/null
held=$(sed -n 's/.*samples routed to the stripes of their first read-out cell, held by 4 processes: \(.*\) (of \([0-9]*\))/\1 of \2/p' "$dir/err")
if echo "$held" | awk '{ n = split($0, a, /, | of /); t = a[n]
        for (k = 1; k < n; k++) { s += a[k]; if (a[k] + 0 >= t || a[k] + 0 == 0) bad = 1 } }
        END { exit !(n == 5 && s == t && t == 1000 && !bad) }'; then
    ok "routed-samples-held ($held)"
else
    fail routed-samples-held "expected 4 parts adding up to 1000, none all, got '$held'"
fi
for wrap in none x xy; do
    "$local_bin" fit "$dir/plain.csv" -o "$dir/local.gem" -q --smooth 1 --draws 0 --size 60,30 \
        --wrap "$wrap" --target v,u
    for n in 2 3 4; do
        $MPIRUN -n "$n" "$mpi_bin" fit "$dir/plain.csv" -o "$dir/mpi.gem" -q --smooth 1 \
            --size 60,30 --wrap "$wrap" --target v,u
        if same_end "$dir/local.gem" "$dir/mpi.gem" 7300; then
            ok "routed-coverage-bits wrap $wrap -n $n"
        else
            fail "routed-coverage-bits wrap $wrap -n $n" "the coverage differs from one process's"
        fi
    done
done
# --smooth auto on routed samples: each sample's fold from its number in the
# file, the held-out weights added over the processes: the local choice
# (above 1,000 samples, where one machine searches the same candidates
# rather than by its dual form)
samples "$dir/more.csv" 1500 100 50 1
"$local_bin" fit "$dir/more.csv" -o "$dir/auto.gem" --size 40,20 --target v,u 2>"$dir/err" \
    >/dev/null
choices="$(grep -o 'chose smooth [^ ]*' "$dir/err" | cut -d' ' -f3) "
for n in 1 2 4; do
    $MPIRUN -n "$n" "$mpi_bin" fit "$dir/more.csv" -o "$dir/auto$n.gem" --size 40,20 \
        --target v,u 2>"$dir/err" >/dev/null
    choices="$choices$(grep -o 'chose smooth [^ ]*' "$dir/err" | cut -d' ' -f3) "
done
set -- $choices
if [ $# = 4 ] && [ "$1" = "$2" ] && [ "$1" = "$3" ] && [ "$1" = "$4" ]; then
    ok "routed-smooth-auto (smooth $1: one process's, and at -n 1, 2, 4)"
else
    fail routed-smooth-auto "choices '$choices' (local, -n 1, 2, 4)"
fi
# A value one share cannot fit fails on its process: every process agrees
# on it before the next collective step; its line, one message, exit 1.
awk -F, -v OFS=, 'NR == 1 { print; next } NR == 950 { $3 = -3 } NR != 950 { $3 += 3 } { print }' \
    "$dir/plain.csv" >"$dir/negative.csv"
fails routed-bad-value-in-a-share 1 "negative.csv:950: v is -3: --transform log" \
    -n 4 "$mpi_bin" fit "$dir/negative.csv" -o "$dir/none/m.gem" -q --smooth 1 --target v \
    --transform log
awk -F, -v OFS=, 'NR == 950 { $1 = 150.5 } { print }' "$dir/plain.csv" >"$dir/far.csv"
fails routed-outside-in-a-share 1 "far.csv:950: (150.5, .*) lies outside the exterior" \
    -n 4 "$mpi_bin" fit "$dir/far.csv" -o "$dir/none/m.gem" -q --smooth 1 --target v \
    --bbox 0,0,101,51 --strict
# The default targets' check on routed samples: each process summarises
# its rows (row numbers across the shares, integer codes): the columns one
# reader leaves out, and a counter broken between two shares kept.
for jump in 0 1; do
    awk -v J=$jump 'BEGIN { srand(3); print "n,x,y,v,k,u"
        for (i = 0; i < 2000; i++) { x = rand() * 100; y = rand() * 50
            printf "%d,%.5f,%.5f,%.6f,%d,%s\n", i + 1 + (J && i >= 1000), x, y,
                sin(x / 9) + cos(y / 6), int(rand() * 4), (i % 9 == 0) ? "" : sprintf("%.4f", x / 50) } }' \
        >"$dir/guess.csv"
    "$local_bin" fit "$dir/guess.csv" -o "$dir/local.gem" --smooth 1 2>"$dir/err" >/dev/null
    want=$(grep 'fit: targets' "$dir/err")
    for n in 2 3 4; do
        $MPIRUN -n "$n" "$mpi_bin" fit "$dir/guess.csv" -o "$dir/mpi.gem" -v --smooth 1 \
            2>"$dir/err" >/dev/null
        got=$(grep 'fit: targets' "$dir/err")
        if [ -n "$want" ] && [ "$want" = "$got" ] && grep -q 'samples routed' "$dir/err"; then
            ok "routed-default-targets counter-jump $jump -n $n (${want#*targets })"
        else
            fail "routed-default-targets counter-jump $jump -n $n" "one process: '$want'; $n: '$got'"
        fi
    done
done
# the grid chosen from the data: bounds and median spacing over the
# processes, the figures of one reader
"$local_bin" fit "$dir/plain.csv" -o "$dir/local.gem" --target v 2>"$dir/err" >/dev/null
want=$(grep 'chose exterior' "$dir/err")
$MPIRUN -n 4 "$mpi_bin" fit "$dir/plain.csv" -o "$dir/mpi.gem" --target v 2>"$dir/err" >/dev/null
got=$(grep 'chose exterior' "$dir/err")
if [ -n "$want" ] && [ "$want" = "$got" ]; then
    ok "routed-default-grid-choice (${want#*grid: })"
else
    fail routed-default-grid-choice "one process: '$want'; four: '$got'"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
