# End-to-end tests of issue 11's fit-side cases: answers that used to be
# wrong or dropped with exit status 0.

# Global samples with longitudes 0..360: u = cos(2 lon).
write_east() {
    awk 'BEGIN { pi = atan2(0, -1); print "lon,lat,u"; srand(5)
        for (k = 0; k < 800; k++) { lon = 360 * rand(); lat = -80 + 160 * rand()
            printf "%.5f,%.5f,%.6f\n", lon, lat, cos(2 * lon * pi / 180) } }' >"$1"
}

test_longitudes_0_to_360_are_kept_and_wrapped() {
    write_east east.csv
    run ge fit east.csv -o east.bin --smooth 0.1
    expect_rc 0
    expect_err '800 samples \(0 skipped: 0 outside the exterior'
    expect_err 'exterior: the globe, longitudes 0 to 360'
    run ge info east.bin
    expect_out 'x 0 \.\. 360'
    # every representation of one meridian gives the same prediction
    printf 'lon,lat\n200,10\n-160,10\n560,10\n' >p.csv
    run ge predict east.bin p.csv
    expect_rc 0
    local vals
    vals=$(awk -F, 'NR > 1 { print $3 }' "$OUT" | sort -u | wc -l)
    [ "$vals" -eq 1 ] || fail "three spellings of 200E gave different values: $(tr '\n' ' ' <"$OUT")"
    expect_out '^200,10,0\.76'
    # and -180..180 data on the same model's exterior is brought in too
    awk -F, -v OFS=, 'NR == 1 || $1 <= 180 { print } NR > 1 && $1 > 180 { $1 -= 360; print }' \
        east.csv >west.csv
    run ge fit west.csv -o west.bin --smooth 0.1 --exterior 0,-90,360,180 --wrap x
    expect_rc 0
    expect_err '800 samples \(0 skipped: 0 outside the exterior'
}

test_cv_refuses_an_empty_fold_and_weights_folds_by_samples() {
    awk 'BEGIN { srand(2); print "x,y,z"
        for (k = 0; k < 60; k++) { x = 100 * rand(); y = 100 * rand(); printf "%.4f,%.4f,%.4f\n", x, y, x + y } }' >d.csv
    run ge cv d.csv --folds 5 --block 1000 --smooth 1
    expect_rc 1
    expect_error_line 'cv: fold [0-9] of 5 holds no sample: --block 1000 is too large'
    run ge cv d.csv --folds 2 --block 60 --smooth 1
    expect_rc 0
    # with one block per fold of unequal size, the mean is the sample-weighted one
    local f1 f2 n1 n2 mean want
    n1=$(awk '$1 == 1 && $2 == "z" { print $3 }' "$OUT")
    n2=$(awk '$1 == 2 && $2 == "z" { print $3 }' "$OUT")
    f1=$(awk '$1 == 1 && $2 == "z" { print $4 }' "$OUT")
    f2=$(awk '$1 == 2 && $2 == "z" { print $4 }' "$OUT")
    mean=$(awk '$1 == "mean" && $2 == "z" { print $3 }' "$OUT")
    want=$(awk -v a="$f1" -v b="$f2" -v n="$n1" -v m="$n2" 'BEGIN { printf "%.9g", (a * n + b * m) / (n + m) }')
    expect_close "$mean" "$want" 1e-5
}

test_longer_gradient_training_keeps_the_best_epoch() {
    fixture_field field.csv
    # a learning rate that makes the loss jump: the saved model is the best seen
    run ge fit field.csv -o m.bin --smooth 0.1 --lr 0.5 --epochs 200 -v
    expect_rc 0
    local best kept
    best=$(sed -n 's/.*: epoch [0-9]* loss \([0-9.e+-]*\).*/\1/p' "$ERR" | sort -g | head -n 1)
    kept=$(sed -n 's/.*wrote m\.bin: 200 epochs, training loss \([^,]*\),.*/\1/p' "$ERR")
    [ -n "$best" ] || fail "no per-epoch losses in -v output: $(grep -m1 epoch "$ERR")"
    expect_num "$kept" "<=" "$best"
}
