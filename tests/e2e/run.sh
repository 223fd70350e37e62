#!/usr/bin/env bash
# End-to-end tests: run the real geoembed binary on files the tests write.
#
#   GEOEMBED=build/geoembed tests/e2e/run.sh [FILTER]
#
# Runs every function test_NAME of every tests/e2e/test_*.sh, each in its own
# temporary directory (mktemp -d, removed afterwards), and prints one line per
# test ("ok NAME", "FAIL NAME: why", "skip NAME: why"), then a last line
# "N passed, N failed". Exit status 1 when any test failed.
#
# Environment:
#   GEOEMBED          the binary under test (default: ./geoembed at the top of the checkout)
#   GEOEMBED_WRAPPER  command put in front of every geoembed run, e.g. "valgrind -q ..."
#   CASE2MODEL        tests/tools/case2model binary for test_conformance_cli.sh; when
#                     unset it is compiled into the run's temporary directory from
#                     tests/tools/case2model.c and the libgeoembed.a next to $GEOEMBED
#   E2E_SKIP_SLOW     when set (for valgrind), skip the tests marked slow and do less
#                     repetitive work in some others (lib.sh: slow, quick)
#   E2E_KEEP          when set, keep the temporary directories of failed tests
#   E2E_VERBOSE       when set, print the output of failed tests
#   E2E_TIMEOUT       seconds one geoembed run may take (default 300)
#   E2E_TIMES         when set, print each test's duration after its name
#   FILTER            only run tests whose NAME matches this extended regex

# One block, parsed whole before it runs: editing this file during a run is safe.
{
set -u

export LC_ALL=C
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_ROOT=$(cd "$E2E_DIR/../.." && pwd)
FILTER=${1:-}

GEOEMBED=${GEOEMBED:-$E2E_ROOT/geoembed}
case $GEOEMBED in
/*) ;;
*/*) GEOEMBED=$(pwd)/$GEOEMBED ;;
*) GEOEMBED=$(command -v "$GEOEMBED" || echo "$GEOEMBED") ;;
esac
if [ ! -x "$GEOEMBED" ]; then
    echo "run.sh: $GEOEMBED: no such executable (build it, or set GEOEMBED)" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
export GEOEMBED

# The wrapper, split into words. Under valgrind its reports go to per-process
# log files instead of the stderr the tests inspect (the exit status 99 of
# --error-exitcode still fails the test; the logs are scanned after each test),
# and OpenMP threads wait passively (spinning threads crawl when valgrind
# serialises them).
read -r -a E2E_WRAP <<<"${GEOEMBED_WRAPPER:-}"
E2E_RUN=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-e2e.XXXXXX") || exit 1
trap 'rm -rf "$E2E_RUN"' EXIT
trap 'exit 130' INT TERM
E2E_SHARED=$E2E_RUN/shared
E2E_VGLOG=$E2E_RUN/valgrind
mkdir -p "$E2E_SHARED" "$E2E_VGLOG"
E2E_VALGRIND=
if [ "${#E2E_WRAP[@]}" -gt 0 ] && [ "$(basename "${E2E_WRAP[0]}")" = valgrind ]; then
    E2E_VALGRIND=1
    E2E_WRAP+=("--log-file=$E2E_VGLOG/vg.%p.log")
    export OMP_WAIT_POLICY=passive
fi

# case2model for the conformance tests: given, or compiled here.
CASE2MODEL_WHY=
if [ -n "${CASE2MODEL:-}" ]; then
    case $CASE2MODEL in /*) ;; *) CASE2MODEL=$(pwd)/$CASE2MODEL ;; esac
    [ -x "$CASE2MODEL" ] || CASE2MODEL_WHY="CASE2MODEL=$CASE2MODEL is not executable"
else
    lib=$(dirname "$GEOEMBED")/libgeoembed.a
    CASE2MODEL=$E2E_RUN/case2model
    if [ ! -f "$lib" ]; then
        CASE2MODEL_WHY="no $lib to build case2model with (set CASE2MODEL)"
    else
        read -r -a pkg_cflags <<<"$(pkg-config --cflags gdal proj zlib 2>/dev/null)"
        read -r -a pkg_libs <<<"$(pkg-config --libs gdal proj zlib 2>/dev/null)"
        build_c2m() {
            (cd "$E2E_ROOT" && ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -O1 -fopenmp -Iinclude \
                "${pkg_cflags[@]}" "$@" -o "$CASE2MODEL" \
                tests/tools/case2model.c tests/conformance/case.c "$lib" \
                -lcsv "${pkg_libs[@]}" -lm) >"$E2E_RUN/case2model.log" 2>&1
        }
        # a sanitizer build's library needs the sanitizer runtime
        build_c2m || build_c2m -fsanitize=address,undefined ||
            CASE2MODEL_WHY="could not compile case2model: $(grep -m1 -i error "$E2E_RUN/case2model.log")"
    fi
fi
export CASE2MODEL CASE2MODEL_WHY

# shellcheck source=lib.sh
. "$E2E_DIR/lib.sh"

passed=0
failed=0
skipped=0
n=0

run_one() {
    local file=$1 name=$2 dir why rc t0=$SECONDS took=
    n=$((n + 1))
    dir=$E2E_RUN/t$n
    mkdir -p "$dir/work" "$dir/meta"
    rm -f "$E2E_VGLOG"/*.log
    why=$(
        (
            cd "$dir/work" || exit 1
            OUT=$dir/meta/stdout ERR=$dir/meta/stderr RC=0
            : >"$OUT"
            : >"$ERR"
            # shellcheck disable=SC1090
            . "$file"
            "test_$name"
        ) 3>&1 >"$dir/meta/log" 2>&1
    )
    rc=$?
    why=${why//$'\n'/ | }
    if [ "$rc" -eq 0 ] && [ -n "$E2E_VALGRIND" ]; then
        local bad
        bad=$(grep -lE 'Invalid (read|write|free)|uninitialised|Conditional jump|definitely lost|Mismatched free|overlap|Syscall param' "$E2E_VGLOG"/*.log 2>/dev/null | head -n 1)
        if [ -n "$bad" ]; then
            rc=1
            why="valgrind: $(grep -m1 -E 'Invalid|uninitialised|Conditional|definitely|Mismatched|overlap|Syscall' "$bad")"
            cp "$bad" "$dir/meta/"
        fi
    fi
    [ -n "${E2E_TIMES:-}" ] && took=" ($((SECONDS - t0))s)"
    if [ "$rc" -eq 0 ]; then
        echo "ok $name$took"
        passed=$((passed + 1))
    elif [ "$rc" -eq 77 ]; then
        echo "skip $name$took: ${why:-skipped}"
        skipped=$((skipped + 1))
    else
        # valgrind's first complaint, if it had one
        local vg
        vg=$(cat "$E2E_VGLOG"/*.log 2>/dev/null | sed -n 's/^==[0-9]*== \(.*[A-Za-z].*\)$/\1/p' | head -n 1)
        [ -n "$vg" ] && why="${why:-exit status $rc} | valgrind: $vg"
        cp "$E2E_VGLOG"/*.log "$dir/meta/" 2>/dev/null
        echo "FAIL $name$took: ${why:-exit status $rc}"
        failed=$((failed + 1))
        if [ -n "${E2E_VERBOSE:-}" ]; then
            sed 's/^/    | /' "$dir/meta/log" "$dir/meta/stderr" "$dir/meta/"*.log 2>/dev/null | tail -n 60
        fi
        if [ -n "${E2E_KEEP:-}" ]; then
            local keep
            keep=$(mktemp -d "${TMPDIR:-/tmp}/geoembed-e2e-$name.XXXXXX")
            cp -a "$dir/." "$keep/" && echo "    kept in $keep"
        fi
    fi
    rm -rf "$dir"
}

for file in "$E2E_DIR"/test_*.sh; do
    for name in $(sed -n 's/^test_\([A-Za-z0-9_]*\) *() *{*.*$/\1/p' "$file"); do
        if [ -n "$FILTER" ] && ! [[ $name =~ $FILTER ]]; then
            continue
        fi
        run_one "$file" "$name"
    done
done

[ "$skipped" -gt 0 ] && echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
exit
}
