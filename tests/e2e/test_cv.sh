# geoembed cv: folds, spatial blocks, JSON, errors.
# shellcheck shell=bash

test_cv_folds_partition_the_samples() {
    fixture_field field.csv
    run ge cv field.csv --folds 4 --smooth 1 --epochs 100 --json --pooled
    expect_rc 0
    local total folds
    total=$(json_get 'sum(f["metrics"]["overall"]["samples"] for f in d["per_fold"])' <"$OUT")
    folds=$(json_get 'len(d["per_fold"])' <"$OUT")
    # 500 samples, 2 targets: every sample scored exactly once, per target
    [ "$total" = 1000 ] || fail "folds scored $total sample-targets, expected 1000"
    [ "$folds" = 4 ] || fail "$folds folds"
    local r2
    r2=$(json_get 'd["mean"]["(all)"]["r2"]' <"$OUT")
    expect_num "$r2" ">" 0.9
}

test_cv_spatial_blocks_text() {
    fixture_field field.csv
    run ge cv field.csv --folds 3 --block 40 --smooth 1 --epochs 100 --pooled
    expect_rc 0
    expect_out '^mean +\(all\)'
    expect_err 'spatial-block folds'
}

test_cv_auto_smooth_inside_each_fold() {
    slow
    fixture_field field.csv
    run ge cv field.csv --folds 2 --epochs 60 --json
    expect_rc 0
    local n
    n=$(json_get 'len([f["smooth"] for f in d["per_fold"] if f["smooth"] > 0])' <"$OUT")
    [ "$n" = 2 ] || fail "each fold should report its chosen smooth"
}

test_cv_errors() {
    fixture_field field.csv
    run ge cv field.csv --folds 1
    expect_rc 2
    expect_error_line '--folds expects a whole number from 2'
    printf 'x,y,v\n0,0,1\n1,1,2\n' >two.csv
    run ge cv two.csv --folds 3 --size 8,8
    expect_rc 1
    expect_error_line '2 samples cannot make 3 folds'
}
