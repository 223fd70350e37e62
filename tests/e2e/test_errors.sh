# Errors: exit status (1 runtime, 2 usage), one line on stderr starting
# "geoembed: " that names the file (and line, column), nothing written.
# shellcheck shell=bash

# After `run`: status STATUS, one error line matching REGEX, no output file
# OUTFILE (default out.bin) and no temporary file in the working directory.
expect_failure() {
    expect_rc "$1"
    expect_error_line "$2"
    expect_no_file "${3:-out.bin}"
    expect_no_tmp
}

field_head() { # FILE: header and the first 5 rows of the test field
    write_field full.csv
    head -n 6 full.csv >"$1"
    rm -f full.csv
}

test_err_missing_input() {
    run ge fit nope.csv -o out.bin
    expect_failure 1 '^geoembed: nope\.csv: .*(No such file|not found|does not exist)'
}

test_err_input_is_directory() {
    mkdir d
    run ge fit d -o out.bin
    expect_failure 1 '^geoembed: d: '
}

test_err_empty_file() {
    : >empty.csv
    run ge fit empty.csv -o out.bin
    expect_failure 1 '^geoembed: empty\.csv: .*(empty|header)'
}

test_err_header_only() {
    echo "lon,lat,u,v" >ho.csv
    run ge fit ho.csv -o out.bin
    expect_failure 1 '^geoembed: ho\.csv: .*(no data|no rows|no samples|no usable)'
}

test_err_missing_column() {
    write_field f.csv
    run ge fit f.csv -o out.bin --x nope
    expect_failure 1 "^geoembed: f\.csv: .*'?nope'?"
}

test_err_missing_target_column() {
    write_field f.csv
    run ge fit f.csv -o out.bin --target u,w
    expect_failure 1 "^geoembed: f\.csv: .*'?w'?"
}

test_err_no_numeric_target() {
    printf 'lon,lat,name\n1,2,a\n3,4,b\n' >t.csv
    run ge fit t.csv -o out.bin
    expect_failure 1 '^geoembed: t\.csv: .*target'
}

test_err_non_numeric_target() {
    field_head nn.csv
    echo "1,2,abc,3" >>nn.csv
    run ge fit nn.csv -o out.bin
    expect_failure 1 "^geoembed: nn\.csv:7: .*'u'.*abc"
}

test_err_non_numeric_coordinate() {
    field_head nn.csv
    echo "10,2x,0.5,3" >>nn.csv
    run ge fit nn.csv -o out.bin
    expect_failure 1 "^geoembed: nn\.csv:7: .*'lat'.*2x"
}

test_err_nan_coordinate() {
    field_head nc.csv
    echo "nan,2,1,3" >>nc.csv
    run ge fit nc.csv -o out.bin
    expect_failure 1 "^geoembed: nc\.csv:7: .*'lon'"
}

test_err_inf_coordinate() {
    field_head ic.csv
    echo "10,-inf,1,3" >>ic.csv
    run ge fit ic.csv -o out.bin
    expect_failure 1 "^geoembed: ic\.csv:7: .*'lat'"
}

test_err_na_coordinate() {
    field_head nc.csv
    echo "NA,2,1,3" >>nc.csv
    run ge fit nc.csv -o out.bin
    expect_failure 1 "^geoembed: nc\.csv:7: .*'lon'"
}

# The error names the line of the file, also when rows before it were
# skipped for missing targets.
test_err_latitude_out_of_range() {
    field_head r.csv
    echo "10,20,NA,3" >>r.csv
    echo "10,95,1,3" >>r.csv
    run ge fit r.csv -o out.bin
    expect_failure 1 '^geoembed: r\.csv:8: .*95'
}

test_err_wrong_delimiter() {
    write_field f.csv
    run ge fit f.csv -o out.bin --delimiter ';'
    expect_failure 1 '^geoembed: f\.csv: .*(column|lon)'
}

test_err_ragged_short_row() {
    field_head rg.csv
    echo "1,2,1" >>rg.csv
    run ge fit rg.csv -o out.bin
    expect_failure 1 '^geoembed: rg\.csv:7: .*(4|fields|columns)'
}

test_err_ragged_long_row() {
    field_head rg.csv
    echo "1,2,1,4,5" >>rg.csv
    run ge fit rg.csv -o out.bin
    expect_failure 1 '^geoembed: rg\.csv:7: .*(4|fields|columns)'
}

test_err_long_line() {
    field_head long.csv
    { printf '1,2,3,'; head -c 1200000 /dev/zero | tr '\0' '1'; echo; } >>long.csv
    local t0 t1
    t0=$(date +%s)
    run ge fit long.csv -o out.bin
    t1=$(date +%s)
    expect_failure 1 '^geoembed: long\.csv:7: .*(long|MiB)'
    expect_num $((t1 - t0)) '<' 60
}

test_err_unterminated_quote() {
    field_head q.csv
    echo '1,2,"3,4' >>q.csv
    run ge fit q.csv -o out.bin
    expect_failure 1 '^geoembed: q\.csv(:7)?: '
}

test_err_invalid_utf8_value() {
    field_head u.csv
    printf '\377\376,2,3,4\n' >>u.csv
    run ge fit u.csv -o out.bin
    expect_failure 1 "^geoembed: u\.csv:7: .*UTF-8"
}

test_err_invalid_utf8_header() {
    write_field f.csv
    { printf 'lon,lat,u,v\303\n'; tail -n +2 f.csv; } >u.csv
    run ge fit u.csv -o out.bin
    expect_failure 1 "^geoembed: u\.csv:1: .*UTF-8"
}

test_err_binary_input() {
    head -c 4096 /dev/urandom >r.bin
    run ge fit r.bin -o out.bin
    expect_failure 1 '^geoembed: r\.bin'
}

test_err_bad_option_value() {
    write_field f.csv
    run ge fit f.csv -o out.bin --epochs 10x
    expect_failure 2 '^geoembed: .*--epochs.*10x'
    run ge fit f.csv -o out.bin --lr abc
    expect_failure 2 '^geoembed: .*--lr.*abc'
    run ge fit f.csv -o out.bin --size 10
    expect_failure 2 '^geoembed: .*--size'
    run ge fit f.csv -o out.bin --loss l3
    expect_failure 2 '^geoembed: .*l3'
    run ge fit f.csv -o out.bin --epochs -1
    expect_failure 2 '^geoembed: .*--epochs'
    run ge fit f.csv -o out.bin --validation 1.5
    expect_failure 2 '^geoembed: .*--validation'
}

test_err_option_missing_value() {
    write_field f.csv
    run ge fit f.csv -o out.bin --epochs
    expect_failure 2 '^geoembed: .*--epochs'
}

test_err_unknown_option() {
    write_field f.csv
    run ge fit f.csv -o out.bin --bogus
    expect_failure 2 '^geoembed: .*--bogus'
    run ge predict x.bin p.csv --frobnicate 3
    expect_failure 2 '^geoembed: .*--frobnicate'
}

test_err_unknown_command() {
    run ge frobnicate
    expect_failure 2 '^geoembed: .*frobnicate'
}

test_err_no_arguments() {
    run ge
    expect_rc 2
    grep -q '^geoembed: \|usage' "$ERR" || fail "no usage message: $(err1)"
}

test_err_fit_missing_output() {
    write_field f.csv
    run ge fit f.csv
    expect_failure 2 '^geoembed: .*-o'
}

test_err_fit_missing_input() {
    run ge fit -o out.bin
    expect_failure 2 '^geoembed: .*INPUT'
}

test_err_output_directory_missing() {
    write_field f.csv
    run ge fit f.csv -o nodir/sub/out.bin --epochs 2 -q
    expect_failure 1 '^geoembed: nodir/sub/out\.bin: ' nodir
}

test_err_output_write_fails() {
    [ -c /dev/full ] || skip "no /dev/full"
    write_field f.csv
    run ge fit f.csv -o /dev/full --epochs 2 -q
    expect_failure 1 '^geoembed: /dev/full: '
    [ -c /dev/full ] || fail "/dev/full is no longer a character device"
}

test_err_absurd_size() {
    write_field f.csv
    local t0 t1
    t0=$(date +%s)
    run ge fit f.csv -o out.bin --size 1000000,1000000
    t1=$(date +%s)
    expect_failure 2 '^geoembed: .*(--size|grid|cells)'
    expect_num $((t1 - t0)) '<' 20
}

test_err_absurd_padding() {
    write_field f.csv
    local t0 t1
    t0=$(date +%s)
    run ge fit f.csv -o out.bin --padding 10000
    t1=$(date +%s)
    expect_failure 2 '^geoembed: .*padding'
    expect_num $((t1 - t0)) '<' 20
}

test_err_absurd_features() {
    write_field f.csv
    run ge fit f.csv -o out.bin --features 1000000000 --size 1000,1000
    expect_failure 2 '^geoembed: .*(--features|parameters|large)'
}

test_err_bad_bbox() {
    write_field f.csv
    run ge fit f.csv -o out.bin --bbox 10,10,0,0
    expect_failure 2 '^geoembed: .*(--bbox|exterior)'
}

test_err_all_samples_outside() {
    write_field f.csv
    run ge fit f.csv -o out.bin --bbox 1,-3,10,3 --epochs 1
    expect_failure 1 '^geoembed: f\.csv: .*outside'
}

test_err_strict_outside() {
    printf 'lon,lat,u\n1,2,NA\n3,4,1\n50,60,2\n5,6,3\n' >s.csv
    run ge fit s.csv -o out.bin --bbox 0,0,10,10 --strict --epochs 1
    expect_failure 1 '^geoembed: s\.csv:4: .*outside'
}

test_err_predict_missing_points() {
    fixture_model
    run ge predict field.bin nope.csv -o out.csv
    expect_failure 1 '^geoembed: nope\.csv: ' out.csv
}

test_err_predict_points_without_coordinates() {
    fixture_model
    printf 'a,b\n1,2\n' >p.csv
    run ge predict field.bin p.csv -o out.csv
    expect_failure 1 '^geoembed: p\.csv: ' out.csv
}

test_err_predict_bad_coordinate() {
    fixture_model
    printf 'lon,lat\n1,2\n3,x\n' >p.csv
    run ge predict field.bin p.csv -o out.csv
    expect_failure 1 "^geoembed: p\.csv:3: .*'lat'" out.csv
}

test_err_predict_output_directory_missing() {
    fixture_model
    write_points p.csv 5
    run ge predict field.bin p.csv -o nodir/out.csv
    expect_failure 1 '^geoembed: nodir/out\.csv: ' nodir
    run ge predict field.bin --grid nodir/g.tif
    expect_failure 1 '^geoembed: nodir/g\.tif: ' nodir
    run ge predict field.bin --grid nodir/g.csv
    expect_failure 1 '^geoembed: nodir/g\.csv: ' nodir
}

test_err_predict_output_write_fails() {
    [ -c /dev/full ] || skip "no /dev/full"
    fixture_model
    write_points p.csv 5
    run ge predict field.bin p.csv -o /dev/full
    expect_failure 1 '^geoembed: /dev/full: '
    run ge predict field.bin --grid /dev/full --of CSV
    expect_failure 1 '^geoembed: /dev/full: '
    [ -c /dev/full ] || fail "/dev/full is no longer a character device"
}

test_err_predict_absurd_grid() {
    fixture_model
    run ge predict field.bin --grid out.tif --size 0,10
    expect_failure 2 '^geoembed: .*--size' out.tif
    run ge predict field.bin --grid out.tif --resolution 0,1
    expect_failure 2 '^geoembed: .*--resolution' out.tif
    run ge predict field.bin --grid out.tif --of NoSuchDriver
    expect_failure 2 '^geoembed: .*NoSuchDriver' out.tif
}

test_err_predict_needs_points_or_grid() {
    fixture_model
    run ge predict field.bin
    expect_failure 2 '^geoembed: .*(POINTS|--grid)'
}

test_err_eval_missing_targets() {
    fixture_model
    write_points p.csv 5
    run ge eval field.bin p.csv
    expect_failure 1 "^geoembed: p\.csv: .*'?u'?"
}

test_simd_cap_that_names_no_unit_is_refused() {
    # a misspelt cap must not quietly run on the default unit
    printf 'x,y,z\n0,0,1\n1,1,2\n2,0,3\n' >f.csv
    GEOEMBED_SIMD=avx3 run ge fit f.csv -o m.bin --smooth 1
    expect_failure 2 '^geoembed: GEOEMBED_SIMD: expected generic, avx2 or avx512, got .avx3.'
    expect_no_file m.bin
}
