#!/bin/sh
# bench/run.sh GEOEMBED_BENCH: geoembed's engine against PyTorch, side by side.
# Run by `make bench`; see bench/README.md.
#
# For each case (guide, large) and metric (step, grid): geoembed-bench dumps
# the measurement's inputs, then geoembed (OMP_NUM_THREADS=2) and PyTorch
# (2 threads) each measure in a process of their own, so that peak memory is
# per measurement. Prints medians, ratios and a check that both sides computed
# the same numbers. Exit 0, or 1 when a measurement failed or disagreed.
#
# It also measures the machine's multiply-add peak per core and prints, for
# every step, the GFLOP/s achieved against it; then the large step on 1
# thread against BENCH_THREADS.
#
# Environment: TORCH_PYTHON (default /usr/bin/python3), BENCH_RUNS (timed runs
# of every measurement on both sides; default per measurement, never below 5),
# BENCH_CASES (default "guide large"), BENCH_THREADS (default 2),
# BENCH_LOAD_ROUNDS (rounds of the step under load, default 12; 0 skips it).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: bench/run.sh PATH/TO/geoembed-bench" >&2
    exit 2
fi
case $1 in
/*) BIN=$1 ;;
*) BIN=$(pwd)/$1 ;;
esac
cd "$(dirname "$0")/.."
PY=${TORCH_PYTHON:-/usr/bin/python3}
THREADS=${BENCH_THREADS:-2}
CASES=${BENCH_CASES:-guide large}

if [ ! -x "$BIN" ]; then
    echo "bench: $BIN is not an executable (make bench builds it)" >&2
    exit 1
fi
# Debian's OpenBLAS tuning variables slow torch down here: drop them for
# the python command only.
pyrun() {
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$@"
}
if ! TORCH_VERSION=$(pyrun -c 'import numpy, torch; print(torch.__version__)' 2>/dev/null); then
    echo "bench: $PY cannot import torch and numpy (Debian: apt-get install python3-torch python3-numpy;" >&2
    echo "       or set TORCH_PYTHON to an interpreter that has them)" >&2
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

# Timed runs: "C PyTorch" per measurement. Steps use the same count on both
# sides so that the losses after the last step can be compared.
runs() {
    if [ -n "${BENCH_RUNS:-}" ]; then
        r=$BENCH_RUNS
        [ "$r" -ge 5 ] 2>/dev/null || r=5
        echo "$r $r"
        return
    fi
    case $1-$2 in
    guide-step) echo "20 20" ;;
    guide-grid) echo "20 5" ;;
    large-step) echo "5 5" ;;
    large-grid) echo "20 5" ;;
    *) echo "5 5" ;;
    esac
}

# median KEY FILE: median of the values of lines "KEY value".
median() {
    awk -v k="$1" '$1 == k { v[n++] = $2 }
        END {
            if (!n) { print "nan"; exit }
            for (i = 1; i < n; i++) { x = v[i]; for (j = i - 1; j >= 0 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
            print (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
        }' "$2"
}
value() { awk -v k="$1" '$1 == k { v = $2 } END { print (v == "") ? "nan" : v }' "$2"; }

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
load() { cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?'; }
echo "geoembed vs PyTorch $TORCH_VERSION, float64, $THREADS threads each; $ncpu CPUs${cpu:+ ($cpu)}"
load0=$(load)
echo "load average at start: $load0"
if awk -v l="$load0" 'BEGIN { exit !(l + 0 > 0.5) }'; then
    echo "warning: the machine is busy; wall times will be noisy (run on an idle machine)"
fi
echo

# The machine's multiply-add peak per core (geoembed-bench peak).
"$BIN" peak >"$TMP/peak.out"
PEAK=$(value peak_gflops "$TMP/peak.out")
echo "multiply-add peak: $PEAK GFLOP/s per core ($(value peak_isa "$TMP/peak.out"); $(awk '$1 ~ /^peak_gflops_/ { sub("peak_gflops_", "", $1); printf "%s%s %s", s, $1, $2; s = ", " }' "$TMP/peak.out"))"
echo

status=0
ROWS=$TMP/rows
: >"$ROWS"
for c in $CASES; do
    for w in step grid; do
        r=$(runs "$c" "$w")
        rc_=${r% *} rp_=${r#* }
        data=$TMP/$c-$w.bin
        printf '  %-5s %-4s: geoembed x%s ... ' "$c" "$w" "$rc_" >&2
        if ! "$BIN" "$c" "$w" --dump "$data" ||
            ! OMP_NUM_THREADS=$THREADS "$BIN" "$c" "$w" --runs "$rc_" >"$TMP/c.out"; then
            echo "bench: geoembed-bench $c $w failed" >&2
            exit 1
        fi
        printf 'PyTorch x%s ...\n' "$rp_" >&2
        if ! pyrun bench/torch_bench.py "$data" "$w" --runs "$rp_" --threads "$THREADS" >"$TMP/p.out"; then
            echo "bench: torch_bench.py $c $w failed" >&2
            exit 1
        fi
        if [ "$w" = step ]; then
            keys="loss_first loss_last"
        else
            keys="grid_checksum"
        fi
        # The check: both sides must have computed the same numbers.
        check=ok
        for k in $keys; do
            a=$(value "$k" "$TMP/c.out") b=$(value "$k" "$TMP/p.out")
            if [ "$a" = nan ] || [ "$b" = nan ] ||
                ! awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; s = (a < 0 ? -a : a); exit !(d <= 1e-6 * (s > 1 ? s : 1)) }'; then
                echo "bench: $c $w: $k differs: geoembed $a, PyTorch $b" >&2
                check=MISMATCH
                status=1
            fi
        done
        flop=$(value step_flop "$TMP/c.out")
        [ "$flop" = nan ] && flop=0
        echo "$c $w $(median "${w}_seconds" "$TMP/c.out") $(median "${w}_seconds" "$TMP/p.out") $(value peak_rss_kb "$TMP/c.out") $(value peak_rss_kb "$TMP/p.out") $rc_ $rp_ $(median "${w}_cpu_seconds" "$TMP/c.out") $(median "${w}_cpu_seconds" "$TMP/p.out") $check $flop $PEAK" >>"$ROWS"
        rm -f "$data"
    done
done
echo >&2

awk '
function t(s) { return s < 1e-3 ? sprintf("%.1f us", s * 1e6) : s < 1 ? sprintf("%.2f ms", s * 1e3) : sprintf("%.3f s", s) }
function mb(k) { return k < 10240 ? sprintf("%.1f MB", k / 1024) : sprintf("%.0f MB", k / 1024) }
BEGIN {
    fmt = "%-6s %-27s %11s %11s %14s %10s %10s %9s  %s\n"
    printf fmt, "case", "metric (median)", "geoembed", "PyTorch", "speed", "RSS geo", "RSS torch", "memory", "check"
    printf fmt, "-----", "---------------------------", "--------", "--------", "-------------", "--------", "---------", "--------", "-----"
}
{
    metric = $2 == "step" ? sprintf("train step, %s runs", ($7 == $8 ? $7 : $7 "/" $8)) : sprintf("grid 1024x512, %s/%s runs", $7, $8)
    speed = ($3 > 0) ? sprintf("%.1fx faster", $4 / $3) : "?"
    mem = ($5 > 0) ? sprintf("1/%.0f", $6 / $5) : "?"
    printf fmt, $1, metric, t($3), t($4), speed, mb($5), mb($6), mem, $11
    hw = ($12 > 0 && $9 > 0) ? sprintf("%8.1f GFLOP/s per core, %3.0f%% of peak", $12 / $9 / 1e9, 100 * $12 / $9 / 1e9 / $13) : ""
    cpu[NR] = sprintf("%-6s %-27s %11s %11s %14s  %s", $1, metric, t($9), t($10), ($9 > 0) ? sprintf("%.1fx less", $10 / $9) : "?", hw)
}
END {
    printf "\nCPU time (user + system, all threads), medians; a step'"'"'s arithmetic per CPU-second of geoembed:\n"
    for (i = 1; i <= NR; i++) print cpu[i]
}' "$ROWS"

# Threads against one thread: the large step (or the last case) on 1 and on
# $THREADS threads, in alternating rounds so that both see the same load.
sc=large
case " $CASES " in *" large "*) ;; *) sc=${CASES##* } ;; esac
: >"$TMP/s1.out"
: >"$TMP/sN.out"
printf '  %s step: 1 against %s threads, 3 rounds ...\n' "$sc" "$THREADS" >&2
: >"$TMP/c1.out"
: >"$TMP/cN.out"
for round in 1 2 3; do
    OMP_NUM_THREADS=1 "$BIN" "$sc" step --runs 7 >>"$TMP/s1.out"
    OMP_NUM_THREADS=$THREADS "$BIN" "$sc" step --runs 7 >>"$TMP/sN.out"
    # the machine's own gain from threads at this moment: the step's arithmetic
    # as a multiply-add loop split over the threads (geoembed-bench ceiling)
    flop=$(value step_flop "$TMP/s1.out")
    OMP_NUM_THREADS=1 "$BIN" ceiling --runs 7 --flop "$flop" >>"$TMP/c1.out"
    OMP_NUM_THREADS=$THREADS "$BIN" ceiling --runs 7 --flop "$flop" >>"$TMP/cN.out"
done
flop=$(value step_flop "$TMP/s1.out")
w1=$(median step_seconds "$TMP/s1.out") c1=$(median step_cpu_seconds "$TMP/s1.out")
wN=$(median step_seconds "$TMP/sN.out") cN=$(median step_cpu_seconds "$TMP/sN.out")
k1=$(median ceiling_seconds "$TMP/c1.out") kN=$(median ceiling_seconds "$TMP/cN.out")
awk -v f="$flop" -v p="$PEAK" -v w1="$w1" -v c1="$c1" -v wN="$wN" -v cN="$cN" -v T="$THREADS" \
    -v k1="$k1" -v kN="$kN" \
    -v isa="$(value isa "$TMP/s1.out")" -v sc="$sc" 'BEGIN {
    printf "\n%s step on the hardware (engine on %s): %.0f MFLOP a step; at the peak, %.2f ms on one core\n", sc, isa, f / 1e6, f / p / 1e6
    printf "  1 thread : median %6.2f ms wall, %6.2f ms CPU: %5.1f GFLOP/s per core, %.2fx the bound\n", w1 * 1e3, c1 * 1e3, f / c1 / 1e9, c1 / (f / p / 1e9)
    printf "  %d threads: median %6.2f ms wall, %6.2f ms CPU: %.2fx faster than 1 thread (wall)\n", T, wN * 1e3, cN * 1e3, w1 / wN
    printf "  the machine now: the same flops as a multiply-add loop, %.2f ms on 1 thread, %.2f ms on %d: %.2fx;\n", k1 * 1e3, kN * 1e3, T, k1 / kN
    printf "  the step gains %.0f%% of what the machine gives %d threads\n", 100 * (w1 / wN - 1) / (k1 / kN - 1), T
}'
echo "(the trainer times dense steps on one thread and on all and keeps the faster: bench/README.md)"

# Under load: the same step on 1 and $THREADS threads beside 1 and 2 busy processes
# (BENCH_LOAD_ROUNDS alternating rounds of 7 steps, default 12; 0 skips it). Where
# busy processes outnumber the free cores, a run's steps take one or two slices of a
# core by where the kernel places its thread, so many rounds and their median.
LR=${BENCH_LOAD_ROUNDS:-12}
if [ "$LR" -gt 0 ]; then
    printf '  %s step under load: %s rounds beside 1 and 2 busy processes ...\n' "$sc" "$LR" >&2
    echo
    echo "$sc step under load ($LR alternating rounds of 7 steps; medians of the rounds' medians):"
    for busy in 1 2; do
        pids=
        for k in $(seq "$busy"); do
            sh -c 'while :; do :; done' &
            pids="$pids $!"
        done
        trap 'kill -9 $pids 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
        : >"$TMP/l1.out"
        : >"$TMP/lN.out"
        for round in $(seq "$LR"); do
            OMP_NUM_THREADS=1 "$BIN" "$sc" step --runs 7 >"$TMP/r.out"
            echo "m $(median step_seconds "$TMP/r.out")" >>"$TMP/l1.out"
            OMP_NUM_THREADS=$THREADS "$BIN" "$sc" step --runs 7 >"$TMP/r.out"
            echo "m $(median step_seconds "$TMP/r.out")" >>"$TMP/lN.out"
        done
        # shellcheck disable=SC2086
        kill -9 $pids 2>/dev/null || true
        wait 2>/dev/null || true
        trap 'rm -rf "$TMP"' EXIT INT TERM
        awk -v b="$busy" -v T="$THREADS" -v w1="$(median m "$TMP/l1.out")" -v wN="$(median m "$TMP/lN.out")" 'BEGIN {
            printf "  beside %d busy process%s: 1 thread %6.2f ms, %d threads %6.2f ms: %.2fx (at least 1: never slower)\n", b, (b > 1 ? "es" : ""), w1 * 1e3, T, wN * 1e3, w1 / wN
        }'
    done
fi
echo
echo "load average at end: $(load)"
echo "speed = PyTorch median / geoembed median; memory = peak RSS of geoembed / peak RSS of PyTorch"
echo "(each measurement in its own process; PyTorch's RSS includes the ~250 MB of importing torch)"
exit $status
