#!/usr/bin/env bash
# bench/fit/run.sh GEOEMBED
#
# The fit benchmark of issue 10, side by side in one run: wall time and peak memory of
# geoembed's default fit, of the previous version's default fit (Adam-trained) and of
# `gdal_grid -a linear` on the same points; the objective reached by the exact solve
# against 300 Adam epochs; 1 against 2 threads with a competing busy process; and a
# 4000x4000-cell solve. Run by `make bench-fit`; bench/fit/README.md explains the tables.
# Prints markdown tables and writes them to bench/fit/RESULTS.md.
#
# Environment:
#   GEOEMBED_BEFORE  the previous version's binary (default: built from BEFORE_COMMIT
#                    with `git archive` in the temporary directory)
#   BEFORE_COMMIT    default 7d24585 (the last Adam-trained default)
#   RUNS             runs per measurement, median reported (default 3)
#   LARGE            samples of the large set (default 1000000; 0 skips it)
#   BENCH_PYTHON     a Python 3 with numpy (default: python3, then /usr/bin/python3)
# Needs gdal_grid (gdal-bin), GNU time (/usr/bin/time, package time), timeout
# (coreutils) and a Python 3 with numpy (python3-numpy).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: bench/fit/run.sh PATH/TO/geoembed" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
GE=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
RUNS=${RUNS:-3}
LARGE=${LARGE:-1000000}
BEFORE_COMMIT=${BEFORE_COMMIT:-7d24585}
THREADS=2
die() { echo "bench-fit: $*" >&2; exit 1; }
say() { echo "bench-fit: $*" >&2; }

[ -x "$GE" ] || die "$1 is not an executable"
command -v gdal_grid >/dev/null 2>&1 || die "gdal_grid not found (Debian: apt-get install gdal-bin)"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian: apt-get install time)"
command -v timeout >/dev/null 2>&1 || die "timeout not found (coreutils)"
PY=
for c in ${BENCH_PYTHON:-} python3 /usr/bin/python3; do
    if "$c" -c 'import numpy' >/dev/null 2>&1; then PY=$c; break; fi
done
[ -n "$PY" ] || die "no python3 with numpy (Debian: apt-get install python3-numpy; or set BENCH_PYTHON)"

BEFORE=
if [ -n "${GEOEMBED_BEFORE:-}" ]; then
    BEFORE=$(cd "$(dirname "$GEOEMBED_BEFORE")" && pwd)/$(basename "$GEOEMBED_BEFORE") \
        || die "GEOEMBED_BEFORE=$GEOEMBED_BEFORE: no such directory"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-bench-fit.XXXXXX")
BUSY=
cleanup() {
    if [ -n "$BUSY" ]; then kill "$BUSY" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$WORK"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime | sed 's/.*average: //')
START=$(date -u '+%Y-%m-%d %H:%M UTC')

# --- the previous version -------------------------------------------------------------
if [ -n "$BEFORE" ]; then
    [ -x "$BEFORE" ] || die "GEOEMBED_BEFORE=$GEOEMBED_BEFORE is not an executable"
else
    say "building the previous version ($BEFORE_COMMIT) in the temporary directory"
    mkdir before
    git -C "$HERE/../.." archive "$BEFORE_COMMIT" | tar -x -C before \
        || die "cannot export $BEFORE_COMMIT (not a git checkout? set GEOEMBED_BEFORE)"
    make -C before -j"$THREADS" geoembed >before/build.log 2>&1 \
        || { tail -n 20 before/build.log >&2; die "building $BEFORE_COMMIT failed"; }
    BEFORE=$WORK/before/geoembed
fi

say "generating the data sets"
"$PY" -B "$HERE/make_data.py" . --large "$LARGE"

# --- measuring ------------------------------------------------------------------------
# measure N CMD...: runs CMD N times under GNU time; sets T (median seconds), M (peak
# resident memory over the runs, MB) and ERR (the last run's standard error). Fails the
# benchmark when CMD fails.
measure() {
    local n=$1 i t m ts=() ms=()
    shift
    for ((i = 0; i < n; i++)); do
        if ! /usr/bin/time -f '%e %M' -o time.txt "$@" >out.txt 2>err.txt; then
            echo "bench-fit: failed: $*" >&2
            tail -n 5 err.txt time.txt >&2
            exit 1
        fi
        read -r t m < <(tail -n 1 time.txt)
        ts+=("$t"); ms+=("$m")
    done
    T=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    M=$(printf '%s\n' "${ms[@]}" | sort -g | tail -n 1 | awk '{ printf "%.0f", $1 / 1024 }')
    ERR=$(cat err.txt)
}
# gdal_linear CSV XCOL YCOL TARGET...: one gdal_grid -a linear 1024x512 GTiff per target
gdal_linear() {
    local csv=$1 xc=$2 yc=$3 t
    shift 3
    local layer=${csv%.csv}
    printf '<OGRVRTDataSource><OGRVRTLayer name="%s"><SrcDataSource relativeToVRT="1">%s</SrcDataSource><GeometryType>wkbPoint</GeometryType><GeometryField encoding="PointFromColumns" x="%s" y="%s"/></OGRVRTLayer></OGRVRTDataSource>\n' \
        "$layer" "$csv" "$xc" "$yc" >"$layer.vrt"
    for t in "$@"; do
        gdal_grid -q -a linear -zfield "$t" -outsize 1024 512 -of GTiff -ot Float32 \
            -l "$layer" "$layer.vrt" "gdal_$t.tif"
    done
}
export -f gdal_linear
cell() { echo "$1 s, $2 MB"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
field() { sed -n "s/.*$1 \([^ ,(]*\).*/\1/p" | tail -n 1; }   # value after a word in stdin

RES=$WORK/RESULTS.md
# --- 1, 2: default fits -----------------------------------------------------------------
{
    echo "# bench-fit results"
    echo
    echo "Machine: $(nproc) cores, load average at start $LOAD, $START. $("$GE" --version | head -n 1);"
    echo "previous version: $BEFORE_COMMIT; $(gdal_grid --version). Medians of $RUNS runs, --threads $THREADS;"
    echo "time is wall-clock, memory is peak resident set size (GNU time)."
    echo
    echo "## Default fit against gdal_grid -a linear (1024x512 GTiff)"
    echo
    echo "| data | samples | targets | geoembed before ($BEFORE_COMMIT) | geoembed now | speed-up | gdal_grid linear | now / gdal_grid | target | met |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"
} >"$RES"
CHOSEN=
row() {   # row NAME CSV XCOL YCOL TARGET...
    local name=$1 csv=$2 xc=$3 yc=$4 n bt bm nt nm gt gm r met chose
    shift 4
    n=$(($(wc -l <"$csv") - 1))
    say "$name: geoembed fit ($RUNS runs)"
    measure "$RUNS" "$GE" fit "$csv" -o m.bin --threads "$THREADS"
    nt=$T nm=$M
    chose=$(echo "$ERR" | field "chose smooth")
    [ "$csv" = uniform.csv ] && CHOSEN=$chose && cp m.bin uniform.bin
    say "  $nt s, $nm MB (chose smooth $chose)"
    if [ "$csv" = large.csv ]; then
        say "$name: previous version, once, killed after 900 s"
        if /usr/bin/time -f '%e %M' -o time.txt timeout 900 "$BEFORE" fit "$csv" -o old.bin \
            --threads "$THREADS" >/dev/null 2>err.txt; then
            read -r bt bm < <(tail -n 1 time.txt)
            bt=$(cell "$bt" "$(awk -v m="$bm" 'BEGIN { printf "%.0f", m / 1024 }')")
        elif grep -q 'status 124' time.txt; then
            bt="> 900 s (killed)"
        else
            tail -n 3 err.txt >&2; die "previous version failed on $csv"
        fi
        r=$(ratio "${bt%% s*}" "$nt")
        case $bt in ">"*) r="> $(ratio 900 "$nt")" ;; esac
        met=$(awk -v t="$nt" -v m="$nm" 'BEGIN { print (t < 30 && m < 1536) ? "yes" : "no" }')
        echo "| $name | $n | $# | $bt | $(cell "$nt" "$nm") | ${r}x | not run | - | under 30 s and 1.5 GB | $met |" >>"$RES"
        return
    fi
    say "$name: previous version ($RUNS runs)"
    measure "$RUNS" "$BEFORE" fit "$csv" -o old.bin --threads "$THREADS"
    bt=$T bm=$M
    say "  $bt s, $bm MB"
    say "$name: gdal_grid -a linear, $# target(s) ($RUNS runs)"
    measure "$RUNS" bash -c 'gdal_linear "$@"' gdal_linear "$csv" "$xc" "$yc" "$@"
    gt=$T gm=$M
    say "  $gt s, $gm MB"
    r=$(ratio "$nt" "$gt")
    met=$(awk -v r="$r" 'BEGIN { print (r <= 2) ? "yes" : "no" }')
    echo "| $name | $n | $# | $(cell "$bt" "$bm") | $(cell "$nt" "$nm") | $(ratio "$bt" "$nt")x | $(cell "$gt" "$gm") | ${r}x | within 2x | $met |" >>"$RES"
}
row "soil survey (clustered, planar)" soil.csv x y cadmium copper lead zinc mercury nickel om
row "global wind (lon/lat)" wind.csv lon lat u v
row "uniform, planar" uniform.csv x y z
if [ "$LARGE" -gt 0 ]; then
    row "uniform, planar" large.csv x y z
fi

# --- 3: the objective reached -------------------------------------------------------------
say "objective at the chosen smooth $CHOSEN: exact solve and 300 Adam epochs"
measure 1 "$GE" fit uniform.csv -o exact.bin --threads "$THREADS" --smooth "$CHOSEN"
eo=$(echo "$ERR" | field objective) el=$(echo "$ERR" | field "training loss") et=$T
measure 1 "$GE" fit uniform.csv -o adam.bin --threads "$THREADS" --smooth "$CHOSEN" --method gradient
ao=$(echo "$ERR" | field objective) al=$(echo "$ERR" | field "training loss") at=$T
{
    echo
    echo "## Objective reached (10,000 uniform samples, smooth $CHOSEN as chosen by the default fit)"
    echo
    echo "| method | objective (standardised units) | training loss | time |"
    echo "|---|---:|---:|---:|"
    echo "| exact solve (default) | $eo | $el | $et s |"
    echo "| 300 Adam epochs (--method gradient) | $ao | $al | $at s |"
    echo
    echo "Adam / exact objective: $(awk -v a="$ao" -v b="$eo" 'BEGIN { printf "%.4g", a / b }') (target: the exact solve lower, ratio above 1)."
} >>"$RES"

# --- 4: threads under load --------------------------------------------------------------
say "threads under load: one competing busy process"
sh -c 'while :; do :; done' &
BUSY=$!
measure "$RUNS" "$GE" fit uniform.csv -o t1.bin --threads 1
f1=$T
measure "$RUNS" "$GE" fit uniform.csv -o t2.bin --threads 2
f2=$T
measure "$RUNS" "$GE" predict uniform.bin --grid p1.tif --size 4000,2000 --threads 1
p1=$T
measure "$RUNS" "$GE" predict uniform.bin --grid p2.tif --size 4000,2000 --threads 2
p2=$T
kill "$BUSY"
wait "$BUSY" 2>/dev/null || true
BUSY=
yn() { awk -v a="$1" -v b="$2" 'BEGIN { print (b <= a) ? "yes" : "no" }'; }
{
    echo
    echo "## Threads under load (one competing busy process; medians of $RUNS)"
    echo
    echo "| command | 1 thread | 2 threads | 2 / 1 | 2 threads at least as fast |"
    echo "|---|---:|---:|---:|---|"
    echo "| fit uniform.csv (10,000 samples, defaults) | $f1 s | $f2 s | $(ratio "$f2" "$f1") | $(yn "$f1" "$f2") |"
    echo "| predict --grid out.tif --size 4000,2000 | $p1 s | $p2 s | $(ratio "$p2" "$p1") | $(yn "$p1" "$p2") |"
} >>"$RES"

# --- 5: a 4000x4000-cell grid -----------------------------------------------------------
# the solve alone (--draws 0: the uncertainty's draws are 20 more solves), by the
# multigrid path that auto takes above 4,000,000 cells
say "a 4000x4000-cell solve (killed after 1800 s)"
status=0
/usr/bin/time -f '%e %M' -o time.txt timeout 1800 "$GE" fit uniform.csv -o big.bin --size 4000,4000 \
    --smooth 1 --draws 0 --threads "$THREADS" >/dev/null 2>err.txt || status=$?
read -r t m < <(tail -n 1 time.txt)
m=$(awk -v m="$m" 'BEGIN { printf "%.0f", m / 1024 }')
if [ "$status" -eq 0 ]; then
    what="solved: $(grep 'wrote' err.txt | sed 's/^geoembed: fit: //' | tail -n 1)"
elif [ "$status" -eq 124 ]; then
    what="killed after 1800 s"
elif [ "$status" -eq 137 ] && ! grep -q '^geoembed: ' err.txt; then
    what="killed by SIGKILL (out of memory?)"
else
    what="exit $status: $(grep -v '^Command' err.txt | tail -n 1 | sed 's/^geoembed: //')"
fi
{
    echo
    echo "## A 4000x4000-cell grid (fit uniform.csv --size 4000,4000 --smooth 1 --draws 0)"
    echo
    echo "| time | peak memory | result |"
    echo "|---:|---:|---|"
    echo "| $t s | $m MB | $(echo "$what" | sed 's/|/\\|/g') |"
} >>"$RES"

cp "$RES" "$HERE/RESULTS.md"
cat "$RES"
