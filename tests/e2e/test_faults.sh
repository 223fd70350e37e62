# Faults: kills, interrupts, checkpoints, full disks, divergence, absurd sizes,
# non-finite numbers. Nothing may be lost and nothing half-written may appear.
# shellcheck shell=bash

# bg_fit ARGS...: geoembed fit in the background (BG is its timeout's pid),
# returning once training has begun.
bg_fit() {
    timeout -k 10 300 "${E2E_WRAP[@]}" "$GEOEMBED" fit "$@" >"$OUT" 2>"$ERR" </dev/null &
    BG=$!
    local i
    for i in $(seq 1 600); do
        grep -q 'geoembed: fit: grid' "$ERR" && break
        kill -0 "$BG" 2>/dev/null || break
        sleep 0.1
    done
}

# sig_fit SIG: signal the geoembed process itself (a background job of a
# script ignores SIGINT, and timeout would not pass it on), then wait.
sig_fit() {
    local child
    child=$(pgrep -P "$BG" | head -n 1)
    kill -"$1" "${child:-$BG}" 2>/dev/null
    wait "$BG"
    RC=$?
}

# A model big enough that saving it takes a while (9 million parameters).
big_fit() {
    ge fit field.csv -o "$1" -q --size 1500,1500 --features 4 --epochs 1 --smooth 0 --padding 0
}

test_sigkill_while_writing_keeps_the_old_model() {
    slow
    fixture_model
    cp field.bin old.bin
    local delay
    for delay in 0.3 0.8 1.5 2.5; do
        cp old.bin m.bin
        big_fit m.bin &
        local pid=$!
        sleep "$delay"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        # either the old model, byte for byte, or a complete new one
        if ! cmp -s m.bin old.bin; then
            run ge info m.bin
            expect_rc 0
        fi
        rm -f m.bin.tmp.*  # what a SIGKILL cannot clean up
    done
}

test_sigint_saves_the_model_so_far() {
    fixture_field field.csv
    bg_fit field.csv -o m.bin --epochs 100000000 --smooth 1
    sleep 0.5
    sig_fit INT
    expect_rc 130
    expect_err 'interrupted after epoch [0-9]+; saved the model so far'
    expect_file m.bin
    expect_no_tmp
    run ge info m.bin
    expect_rc 0
}

test_sigterm_with_validation_keeps_the_best_epoch() {
    fixture_field field.csv
    bg_fit field.csv -o m.bin --epochs 100000000 --smooth 1 --validation 0.2
    sleep 0.5
    sig_fit TERM
    expect_rc 143
    expect_file m.bin
    run ge info m.bin --json
    local best run
    best=$(json_get 'd["best_epoch"]' <"$OUT")
    run=$(json_get 'd["epochs"]' <"$OUT")
    expect_num "$best" "<=" "$run"
    expect_num "$best" ">=" 1
}

test_checkpoint_resume_is_byte_identical() {
    slow
    fixture_field field.csv
    local opts=(--epochs 3000 --batch-size 64 --validation 0.2 --smooth 0.5 --checkpoint-every 10)
    ge fit field.csv -o straight.bin "${opts[@]}" -q || fail "uninterrupted fit failed"
    expect_no_file straight.bin.ckpt
    bg_fit field.csv -o resumed.bin "${opts[@]}"
    sleep 0.5
    sig_fit INT
    if [ "$RC" -eq 0 ]; then skip "the fit finished before the interrupt (machine too fast)"; fi
    expect_rc 130
    expect_err 'continue with --resume'
    expect_file resumed.bin.ckpt
    run ge fit field.csv -o resumed.bin "${opts[@]}" --resume -q
    expect_rc 0
    expect_same straight.bin resumed.bin
    expect_no_file resumed.bin.ckpt
    # a checkpoint is refused for other options
    bg_fit field.csv -o other.bin "${opts[@]}"
    sleep 0.5
    sig_fit INT
    run ge fit field.csv -o other.bin "${opts[@]/0.5/0.7}" --resume -q
    expect_rc 1
    expect_error_line 'checkpoint was made with other data or options'
}

test_resume_without_checkpoint() {
    fixture_field field.csv
    run ge fit field.csv -o m.bin --resume -q
    expect_rc 1
    expect_error_line 'm\.bin\.ckpt: cannot open checkpoint'
    expect_no_file m.bin
}

test_full_disk_and_missing_directory() {
    fixture_model
    run ge fit field.csv -o /dev/full --epochs 5 --smooth 1
    expect_rc 1
    expect_err '^geoembed: /dev/full: write failed: No space left on device'
    run ge predict field.bin --grid /dev/full --of CSV
    expect_rc 1
    expect_error_line 'write failed'
    run ge predict field.bin --grid no/such/dir/g.tif
    expect_rc 1
    expect_error_line 'no/such/dir/g\.tif: cannot write'
    expect_no_tmp
}

test_divergence_is_reported_not_saved() {
    fixture_field field.csv
    run ge fit field.csv -o m.bin --optimizer sgd --lr 1e6 --smooth 0 --epochs 50 --no-standardize -q
    expect_rc 1
    expect_error_line 'training diverged at epoch [0-9]+.*smaller --lr'
    expect_no_file m.bin
}

test_absurd_sizes_refused_before_allocating() {
    fixture_field field.csv
    run ge fit field.csv -o m.bin --size 1000000,1000000
    expect_rc 2
    expect_error_line 'too large'
    run ge fit field.csv -o m.bin --padding 10000
    expect_rc 2
    expect_error_line '--padding expects whole numbers P\[,Q\] from 0 to 64'
    run ge fit field.csv -o m.bin --features 100000
    expect_rc 2
    expect_no_file m.bin
}

test_memory_estimate_for_large_models() {
    fixture_field field.csv
    run ge fit field.csv -o m.bin --size 3000,3000 --features 8 --epochs 0 --smooth 0
    expect_rc 0
    expect_err 'needs about [0-9]+ MB of memory to train'
}

test_non_finite_numbers_never_train() {
    printf 'x,y,v\n0,0,1\n1,0,nan\n0,1,NA\n1,1,2\n2,2,3\n3,1,4\n' >nan.csv
    run ge fit nan.csv -o m.bin --size 8,8 --epochs 5 --smooth 1
    expect_rc 0
    expect_err '4 samples \(2 skipped: 0 outside the exterior, 2 without a target value\)'
    printf 'x,y,v\n0,0,1\n1,0,inf\n' >inf.csv
    run ge fit inf.csv -o m2.bin
    expect_rc 1
    expect_error_line "inf\.csv:3: column 'v' \(3\): expected a finite number, got 'inf'"
    expect_no_file m2.bin
    printf 'x,y,v\n0,0,1\nnan,0,2\n' >nanx.csv
    run ge fit nanx.csv -o m3.bin
    expect_rc 1
    expect_error_line "nanx\.csv:3: column 'x' \(1\)"
}
