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

# Samples along a band: the map is empty far from it, and a point just past the
# exterior near the data is predicted like any other.
write_band() {
    awk 'BEGIN { srand(4); print "x,y,z"
        for (k = 0; k < 300; k++) { t = rand(); x = 1000 * t; y = 500 + 100 * sin(6 * t) + 30 * rand()
            printf "%.3f,%.3f,%.5f\n", x, y, t * t } }' >"$1"
}

test_far_from_every_sample_is_empty_not_extrapolated() {
    write_band band.csv
    run ge fit band.csv -o band.bin
    expect_rc 0
    local md
    md=$(ge info band.bin --json | json_get 'd.get("max_distance")')
    expect_num "$md" ">" 10
    expect_num "$md" "<" 100
    # far above the band: empty, and counted; near it: predicted
    printf 'x,y\n500,560\n500,900\n1300,520\n' >q.csv
    run ge predict band.bin q.csv
    expect_rc 0
    expect_out '^500,560,0\.2'
    expect_out '^500,900,$'
    expect_out '^1300,520,$'
    expect_err '2 of 3 points had no prediction \(2 farther than [0-9.]+ from every training sample'
    run ge predict band.bin q.csv --max-distance none
    expect_rc 0
    expect_out '^500,900,[0-9]'
    # 60 past the last sample, outside the exterior (a 5% margin, 52): predicted
    # by the same rule when the distance allows it
    awk -F, 'NR > 1 && $1 > x { x = $1; y = $2 } END { print "x,y"; printf "%.3f,%.3f\n", x + 60, y }' \
        band.csv >edge.csv
    run ge predict band.bin edge.csv --max-distance 100
    expect_rc 0
    expect_out ',[01]\.[0-9]+$'
    run ge predict band.bin edge.csv
    expect_rc 0
    expect_out ',$'
    # the grid: nodata away from the band
    run ge predict band.bin --grid g.csv --bbox -500,-500,1500,1500 --size 40,40
    expect_rc 0
    local empty full
    empty=$(awk -F, 'NR > 1 && $3 == "" { n++ } END { print n + 0 }' g.csv)
    full=$(awk -F, 'NR > 1 && $3 != "" { n++ } END { print n + 0 }' g.csv)
    expect_num "$empty" ">" 1000
    expect_num "$full" ">" 10
}

test_an_exploding_training_is_an_error_not_a_model() {
    fixture_field field.csv
    run ge fit field.csv -o m.bin --lr 1e6 --epochs 50 --smooth 0.1
    expect_rc 1
    expect_err '^geoembed: training diverged \(the loss went from [0-9.e+-]+ to [0-9.e+-]+\); try a smaller --lr'
    expect_no_file m.bin
}

test_sigint_while_reading_stdin_stops_at_once() {
    # an endless CSV on standard input: SIGINT ends the read, nothing is written
    mkfifo in.fifo
    "$GEOEMBED" fit - -o m.bin <in.fifo >"$OUT" 2>"$ERR" &
    local pid=$!
    awk 'BEGIN { print "x,y,z"; for (i = 0; ; i++) printf "%d,%d,%d\n", i % 1000, i / 1000, i }' \
        >in.fifo 2>/dev/null &
    local feeder=$!
    sleep 1.5
    kill -INT "$pid"
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
    kill "$feeder" 2>/dev/null
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid"
        fail "fit kept reading 5 s after SIGINT"
    fi
    wait "$pid"
    RC=$?
    expect_rc 130
    expect_err 'interrupted before training began; nothing written'
    expect_no_file m.bin
    expect_no_tmp
}
