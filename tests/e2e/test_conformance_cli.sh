# The reference path through the command line: a conformance case's initial
# parameters (written as a model file by tests/tools/case2model) trained with
# `geoembed fit --init` in the reference settings (cell read-out, no penalty,
# no standardisation, full batch) must reproduce torch_geopooling's losses and
# final predictions.
# shellcheck shell=bash

# Numbers of array NAME of a conformance case, one a line.
case_array() { # CASE NAME
    awk -v name="$2" '
        $1 == "array" { inside = ($2 == name); want = $3; got = 0; next }
        inside && got < want { for (i = 1; i <= NF && got < want; i++) { print $i; got++ } }' "$1"
}

conformance_case() { # NAME
    [ -z "${CASE2MODEL_WHY:-}" ] || skip "$CASE2MODEL_WHY"
    local case=$E2E_ROOT/tests/conformance/$1.case
    [ -f "$case" ] || fail "no $case"
    "$CASE2MODEL" "$case" init.bin samples.csv >settings.txt 2>c2m.err ||
        fail "case2model $1 failed: $(head -n 1 c2m.err)"
    local steps samples loss optimizer lr momentum delta
    read -r _ steps _ samples _ loss _ optimizer _ lr _ momentum _ delta <settings.txt
    [ -n "$delta" ] || fail "case2model printed: $(cat settings.txt)"
    local mopt=()
    num_test "$momentum" '!=' 0 && mopt+=(--momentum "$momentum")
    [ "$loss" = huber ] && mopt+=(--huber-delta "$delta")

    run ge fit samples.csv --init init.bin -o out.bin --smooth 0 --loss "$loss" \
        --optimizer "$optimizer" --lr "$lr" --epochs "$steps" --batch-size 0 --no-standardize \
        "${mopt[@]}" -v
    expect_rc 0
    expect_file out.bin
    # every sample is used: points on the upper edges are inside the exterior
    expect_err "^geoembed: fit: $samples samples \\(0 skipped"
    expect_err "readout cell, smooth 0; $loss, $optimizer"

    # the loss printed for epoch N is the loss before step N: loss[N-1]
    sed -n 's/^geoembed: fit: epoch \([0-9]*\) loss \([^ ]*\).*/\1 \2/p' "$ERR" >got_loss.txt
    case_array "$case" loss | head -n "$steps" | awk '{ print NR, $1 }' >want_loss.txt
    [ "$(wc -l <got_loss.txt)" -eq "$steps" ] || fail "fit -v printed $(wc -l <got_loss.txt) epoch lines, expected $steps"
    local bad
    bad=$(awk 'NR == FNR { want[$1] = $2; next }
        { w = want[$1]; d = $2 - w; if (d < 0) d = -d; m = w < 0 ? -w : w
          if (!($1 in want) || !(d <= 1e-9 * m)) { printf "epoch %s loss %s, expected %s", $1, $2, w; exit } }' \
        want_loss.txt got_loss.txt)
    [ -z "$bad" ] || fail "$bad"

    # final predictions at the samples, normwise max|diff| / max|want|
    run ge predict out.bin samples.csv -o pred.csv
    expect_rc 0
    local O
    O=$(head -n 1 samples.csv | awk -F, '{ print NF - 2 }')
    [ "$(csv_rows pred.csv)" = "$samples" ] || fail "predict wrote $(csv_rows pred.csv) rows, expected $samples"
    awk -F, -v o="$O" 'NR > 1 { for (c = 3 + o; c < 3 + 2 * o; c++) print $c }' pred.csv >got_pred.txt
    case_array "$case" pred_final >want_pred.txt
    [ "$(wc -l <want_pred.txt)" -eq $((samples * O)) ] || fail "case has no pred_final of $((samples * O)) numbers"
    [ "$(wc -l <got_pred.txt)" -eq $((samples * O)) ] || fail "predict gave $(wc -l <got_pred.txt) numbers, expected $((samples * O))"
    grep -qiv '^-\?[0-9]' got_pred.txt && fail "predictions that are not numbers: $(grep -iv '^-\?[0-9]' got_pred.txt | head -n 1)"
    local err
    err=$(paste -d' ' got_pred.txt want_pred.txt | awk '
        { d = $1 - $2; if (d < 0) d = -d; if (!(d <= num)) num = d; w = $2 < 0 ? -$2 : $2; if (w > den) den = w; n++ }
        END { printf "%.3e\n", (den > 0 ? num / den : num) }')
    expect_num "$err" '<=' 1e-9
}

test_conformance_cli_wrap_small() {
    conformance_case wrap_small
}

test_conformance_cli_clamp_small() {
    conformance_case clamp_small
}

test_conformance_cli_huber_rect() {
    conformance_case huber_rect
}

test_conformance_cli_upstream_unit() {
    conformance_case upstream_unit
}

test_conformance_cli_seed_force_field() {
    conformance_case seed_force_field
}

# The guide's case trains through the whole-grid engine (1008 samples on 2016
# cells); each vector unit it can run on must reproduce the reference.
test_conformance_cli_every_vector_unit() {
    local unit
    for unit in generic avx2 avx512; do
        GEOEMBED_SIMD=$unit conformance_case seed_force_field
    done
}
