# Helpers of the end-to-end tests; sourced by run.sh (see there).
#
# Every test is a function test_NAME in a tests/e2e/test_*.sh file. It runs in
# a subshell whose working directory is a fresh empty temporary directory; it
# writes its own data files there. It passes when it returns 0, fails at the
# first assertion that calls fail (or on any other non-zero return).
#
#   fail MESSAGE / skip MESSAGE       end the test (skip: neither passed nor failed)
#   need PROGRAM                      skip unless PROGRAM is installed
#   slow / quick                      E2E_SKIP_SLOW: skip this test / do less
#   run CMD...          run CMD; stdout in $OUT, stderr in $ERR, status in $RC
#   run_in FILE CMD...  the same with standard input from FILE
#   ge ARGS...          the geoembed under test, behind $GEOEMBED_WRAPPER
#   expect_rc N                      exit status
#   expect_err REGEX / expect_out REGEX     extended regex somewhere in stderr / stdout
#   expect_no_err REGEX / expect_no_out REGEX
#   expect_error_line REGEX          stderr is one line "geoembed: ..." matching REGEX
#   expect_quiet                     nothing at all on stdout and stderr
#   expect_file F / expect_no_file F / expect_same F1 F2
#   expect_no_tmp [DIR]              no "*.tmp.*" left in DIR (default .)
#   expect_num A OP B                awk numeric comparison, OP one of < <= > >= == !=
#   expect_close A B RELTOL          |A-B| <= RELTOL*max(|B|,1e-300)
#   fixture_field FILE / fixture_model   shared data and model, made once per run

# shellcheck shell=bash

E2E_TIMEOUT=${E2E_TIMEOUT:-300}

# The message goes to the runner on one line (newlines shown as " | ").
fail() {
    local m="$*"
    echo "${m//$'\n'/ | }" >&3
    exit 1
}

skip() {
    local m="$*"
    echo "${m//$'\n'/ | }" >&3
    exit 77
}

# E2E_SKIP_SLOW (for valgrind runs): tests that take long call `slow` first
# and are skipped; others do less of their repetitive work when `quick`.
slow() {
    if [ -n "${E2E_SKIP_SLOW:-}" ]; then
        skip "slow test (E2E_SKIP_SLOW is set)"
    fi
}

quick() {
    [ -n "${E2E_SKIP_SLOW:-}" ]
}

need() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"
}

ge() {
    timeout -k 10 "$E2E_TIMEOUT" "${E2E_WRAP[@]}" "$GEOEMBED" "$@"
}

run() {
    "$@" >"$OUT" 2>"$ERR" </dev/null
    RC=$?
}

run_in() {
    local in=$1
    shift
    "$@" >"$OUT" 2>"$ERR" <"$in"
    RC=$?
}

# First line of stderr, for failure messages.
err1() {
    local l
    l=$(head -n 1 "$ERR")
    printf '%s' "${l:0:300}"
}

expect_rc() {
    if [ "$RC" -ne "$1" ]; then
        local extra=""
        [ "$RC" -eq 99 ] && extra=" (valgrind reported errors)"
        [ "$RC" -eq 124 ] && extra=" (timed out after ${E2E_TIMEOUT}s)"
        [ "$RC" -gt 128 ] && [ "$RC" -ne 130 ] && [ "$RC" -ne 143 ] &&
            extra=" (killed by signal $((RC - 128)))"
        fail "expected exit status $1, got $RC$extra; stderr: $(err1)"
    fi
}

expect_err() {
    grep -Eq -- "$1" "$ERR" || fail "stderr does not match /$1/; stderr: $(err1)"
}

expect_no_err() {
    if grep -Eq -- "$1" "$ERR"; then fail "stderr matches /$1/: $(grep -E -- "$1" "$ERR" | head -n 1)"; fi
}

expect_out() {
    grep -Eq -- "$1" "$OUT" || fail "stdout does not match /$1/; stdout: $(head -c 300 "$OUT")"
}

expect_no_out() {
    if grep -Eq -- "$1" "$OUT"; then fail "stdout matches /$1/: $(grep -E -- "$1" "$OUT" | head -n 1)"; fi
}

# An error report: exactly one line, "geoembed: " first, matching REGEX.
expect_error_line() {
    local n
    n=$(wc -l <"$ERR")
    [ -s "$ERR" ] || fail "nothing on stderr (expected one line matching /$1/)"
    [ "$n" -eq 1 ] || fail "expected one line on stderr, got $n: $(tr '\n' '|' <"$ERR" | head -c 400)"
    head -n 1 "$ERR" | grep -q '^geoembed: ' || fail "stderr does not start with 'geoembed: ': $(err1)"
    grep -Eq -- "$1" "$ERR" || fail "stderr does not match /$1/: $(err1)"
}

expect_quiet() {
    [ -s "$OUT" ] && fail "expected no output, stdout: $(head -c 200 "$OUT")"
    [ -s "$ERR" ] && fail "expected no output, stderr: $(err1)"
    return 0
}

expect_file() {
    [ -f "$1" ] || fail "$1 was not written"
    [ -s "$1" ] || fail "$1 is empty"
}

expect_no_file() {
    [ -e "$1" ] && fail "$1 exists but should not"
    return 0
}

expect_same() {
    cmp -s "$1" "$2" || fail "$1 and $2 differ: $(cmp "$1" "$2" 2>&1 | head -n 1)"
}

expect_no_tmp() {
    local d=${1:-.} left
    left=$(find "$d" -name '*.tmp.*' 2>/dev/null | head -n 3 | tr '\n' ' ')
    [ -z "$left" ] || fail "temporary files left behind: $left"
}

num_test() {
    awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
        a += 0; b += 0
        if (op == "<") r = a < b; else if (op == "<=") r = a <= b
        else if (op == ">") r = a > b; else if (op == ">=") r = a >= b
        else if (op == "==") r = a == b; else if (op == "!=") r = a != b
        else r = 0
        exit !r }'
}

expect_num() {
    [ -n "$1" ] || fail "expected a number $2 $3, got nothing"
    num_test "$1" "$2" "$3" || fail "expected $1 $2 $3"
}

expect_close() {
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN {
        d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m < 1e-300) m = 1e-300
        exit !(d <= t * m) }' || fail "expected $1 within $3 (relative) of $2"
}

# Number of data rows (lines after the header) of a CSV.
csv_rows() {
    awk 'END { print NR - 1 }' "$1"
}

# Column names of a CSV header, comma separated, quotes and CR removed.
csv_header() {
    head -n 1 "$1" | tr -d '"\r'
}

# A value from a JSON document on stdin: json_get EXPR, EXPR a Python
# expression over `d` (python3 standard library only).
json_get() {
    python3 -c 'import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (list, dict, tuple)) else v)' "$1"
}

# The test field: lon,lat,u,v on a NX x NY grid with u = cos(2 lon), v = sin(2 lat)
# (angles in radians). Default 25 x 20 = 500 points.
write_field() {
    awk -v nx="${2:-25}" -v ny="${3:-20}" 'BEGIN {
        pi = atan2(0, -1); print "lon,lat,u,v"
        for (i = 0; i < nx; i++) for (j = 0; j < ny; j++) {
            lon = -180 + 360 * (i + 0.5) / nx; lat = -80 + 160 * (j + 0.5) / ny
            printf "%.6f,%.6f,%.9f,%.9f\n", lon, lat, cos(2 * lon * pi / 180), sin(2 * lat * pi / 180)
        } }' >"$1"
}

# Points at random places inside the field (id,lon,lat), input order = id.
write_points() {
    awk -v n="${2:-200}" 'BEGIN {
        srand(7); print "id,lon,lat"
        for (k = 0; k < n; k++) printf "%d,%.6f,%.6f\n", k, -170 + 340 * rand(), -75 + 150 * rand()
        }' >"$1"
}

# Mean absolute error of u_pred,v_pred (columns UC, UC+1) against the truth
# at lon,lat (columns LC, LC+1) in a predictions CSV.
pred_mae() {
    awk -F, -v lc="$2" -v uc="$3" 'BEGIN { pi = atan2(0, -1) }
        NR > 1 {
            u = cos(2 * $lc * pi / 180); v = sin(2 * $(lc + 1) * pi / 180)
            du = $uc - u; dv = $(uc + 1) - v
            s += (du < 0 ? -du : du) + (dv < 0 ? -dv : dv); n += 2
        }
        END { if (n == 0) print "nan"; else printf "%.9g\n", s / n }' "$1"
}

fixture_field() {
    [ -f "$E2E_SHARED/field.csv" ] || write_field "$E2E_SHARED/field.csv"
    cp "$E2E_SHARED/field.csv" "$1"
}

# The model of the field with every default setting, fitted once per run
# (when quick, with a fixed --smooth instead of the cross-validated choice):
# copies it (and its fit's stderr, as fit.err) into the working directory.
fixture_model() {
    if [ ! -f "$E2E_SHARED/field.bin" ]; then
        [ -f "$E2E_SHARED/field.csv" ] || write_field "$E2E_SHARED/field.csv"
        local opts=()
        quick && opts=(--smooth 1)
        (cd "$E2E_SHARED" && ge fit field.csv -o field.bin "${opts[@]}") >"$E2E_SHARED/fit.out" 2>"$E2E_SHARED/fit.err"
        local rc=$?
        if [ "$rc" -ne 0 ]; then
            rm -f "$E2E_SHARED/field.bin"
            fail "fixture: geoembed fit field.csv -o field.bin failed with status $rc: $(head -n 1 "$E2E_SHARED/fit.err")"
        fi
    fi
    [ -f "$E2E_SHARED/field.bin" ] || fail "fixture: no model"
    cp "$E2E_SHARED/field.bin" "$E2E_SHARED/field.csv" .
    cp "$E2E_SHARED/fit.err" fit.err
}

# Grid size of a model: "W H".
model_grid() {
    ge info "$1" --json 2>/dev/null | json_get 'str(d["grid"][0]) + " " + str(d["grid"][1])'
}
