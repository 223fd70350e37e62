# Happy paths: fit, info, predict (points and grids), eval, input formats.
# shellcheck shell=bash

test_fit_default() {
    fixture_model
    expect_file field.bin
    expect_no_tmp
    ERR=fit.err
    expect_err '^geoembed: fit: 500 samples \(0 skipped'
    expect_err 'wrote field\.bin'
}

test_info_text() {
    fixture_model
    local wh
    wh=$(model_grid field.bin)
    [ -n "$wh" ] || fail "info --json gives no grid"
    run ge info field.bin
    expect_rc 0
    expect_out "grid: +${wh% *} x ${wh#* } cells"
    expect_out 'targets: +u, v'
    expect_out 'coordinates: +lon, lat'
    expect_out 'CRS: +WGS 84'
    expect_out '500 samples'
}

test_info_json() {
    need python3
    fixture_model
    run ge info field.bin --json
    expect_rc 0
    local v
    v=$(json_get 'd["grid"]' <"$OUT") || fail "info --json is not JSON: $(head -c 200 "$OUT")"
    [[ $v =~ ^\[[1-9][0-9]*,\ [1-9][0-9]*\]$ ]] || fail "grid $v"
    # the field spans 346 degrees of longitude: the model covers the globe, wrapping in x
    v=$(json_get '[d["exterior"], d["wrap"]]' <"$OUT")
    [ "$v" = '[[-180, -90, 360, 180], "x"]' ] || fail "exterior and wrap: $v"
    v=$(json_get 'd["targets"]' <"$OUT")
    [ "$v" = '["u", "v"]' ] || fail "targets $v"
    v=$(json_get 'd["crs_name"]' <"$OUT")
    [[ $v == *"WGS 84"* ]] || fail "crs_name '$v' is not WGS 84"
    v=$(json_get 'd["crs_wkt"]' <"$OUT")
    [[ $v == *'ID["EPSG",4326]'* ]] || fail "crs_wkt is not EPSG:4326: ${v:0:100}"
    v=$(json_get 'd["samples"]' <"$OUT")
    [ "$v" = 500 ] || fail "samples $v"
    v=$(json_get '(d["x"], d["y"], d["outputs"])' <"$OUT")
    [ "$v" = '["lon", "lat", 2]' ] || fail "x, y, outputs: $v"
}

test_predict_points_stdout() {
    fixture_model
    write_points p.csv 200
    run ge predict field.bin p.csv
    expect_rc 0
    [ "$(csv_header "$OUT")" = "id,lon,lat,u_pred,v_pred" ] || fail "header: $(csv_header "$OUT")"
    [ "$(csv_rows "$OUT")" = 200 ] || fail "$(csv_rows "$OUT") rows, expected 200"
    # input columns copied unchanged, rows in input order
    cut -d, -f1-3 "$OUT" >cols.csv
    expect_same cols.csv p.csv
    local mae
    mae=$(pred_mae "$OUT" 2 4)
    expect_num "$mae" '<' 0.05
    expect_no_err .
}

test_predict_points_output_file() {
    fixture_model
    write_points p.csv 50
    run ge predict field.bin p.csv -o out.csv
    expect_rc 0
    expect_file out.csv
    [ -s "$OUT" ] && fail "stdout not empty with -o"
    expect_no_tmp
    cp out.csv first.csv
    run ge predict field.bin p.csv
    expect_rc 0
    expect_same "$OUT" first.csv
    expect_num "$(pred_mae out.csv 2 4)" '<' 0.05
}

# Points whose columns are in another order, with extra text columns (quoted,
# holding the delimiter): found by name, copied verbatim.
test_predict_points_columns_by_name() {
    fixture_model
    printf 'lat,name,lon\n10,a b,20\n-30,"q,x",100\n45.5,,-120\n' >p.csv
    run ge predict field.bin p.csv
    expect_rc 0
    [ "$(csv_header "$OUT")" = "lat,name,lon,u_pred,v_pred" ] || fail "header: $(csv_header "$OUT")"
    [ "$(csv_rows "$OUT")" = 3 ] || fail "$(csv_rows "$OUT") rows"
    grep -q '^-30,"q,x",100,' "$OUT" || fail "quoted field not copied: $(sed -n 3p "$OUT")"
    # u = cos(2 lon) at lon 20 is 0.766
    local u
    u=$(awk -F, 'NR == 2 { print $4 }' "$OUT")
    expect_num "$u" '>' 0.68
    expect_num "$u" '<' 0.85
}

test_predict_points_stdin() {
    fixture_model
    write_points p.csv 20
    run_in p.csv ge predict field.bin -
    expect_rc 0
    [ "$(csv_rows "$OUT")" = 20 ] || fail "$(csv_rows "$OUT") rows"
    expect_num "$(pred_mae "$OUT" 2 4)" '<' 0.05
}

test_predict_grid_csv() {
    fixture_model
    local wh
    wh=$(model_grid field.bin)
    [ -n "$wh" ] || fail "info --json gives no grid"
    run ge predict field.bin --grid g.csv
    expect_rc 0
    expect_file g.csv
    expect_no_tmp
    [ "$(head -n 1 g.csv)" = "x,y,u,v" ] || fail "header $(head -n 1 g.csv)"
    [ "$(csv_rows g.csv)" = $((${wh% *} * ${wh#* })) ] || fail "$(csv_rows g.csv) rows, expected ${wh% *}*${wh#* }"
    # cell centres inside the exterior, finite values close to the truth
    awk -F, 'NR > 1 && ($1 <= -180 || $1 >= 180 || $2 <= -90 || $2 >= 90 || $3 != $3 + 0 || $4 != $4 + 0) { bad++ }
        END { exit bad > 0 }' g.csv || fail "grid rows outside the exterior or not numbers"
    local mae
    mae=$(awk -F, 'BEGIN { pi = atan2(0, -1) }
        NR > 1 && $2 > -75 && $2 < 75 { d = $3 - cos(2 * $1 * pi / 180); s += d < 0 ? -d : d; n++ }
        END { print s / n }' g.csv)
    expect_num "$mae" '<' 0.05
}

test_predict_grid_stdout() {
    fixture_model
    run ge predict field.bin --grid g.csv
    expect_rc 0
    run ge predict field.bin --grid -
    expect_rc 0
    expect_same "$OUT" g.csv
    expect_no_file ./-
}

test_predict_grid_geotiff() {
    need gdalinfo
    fixture_model
    local wh W H
    wh=$(model_grid field.bin)
    [ -n "$wh" ] || fail "info --json gives no grid"
    W=${wh% *} H=${wh#* }
    run ge predict field.bin --grid g.tif
    expect_rc 0
    expect_file g.tif
    expect_no_tmp
    gdalinfo g.tif >info.txt 2>&1 || fail "gdalinfo g.tif failed: $(head -n 1 info.txt)"
    grep -q '^Driver: GTiff' info.txt || fail "not a GeoTIFF: $(head -n 1 info.txt)"
    grep -q "^Size is $W, $H\$" info.txt || fail "$(grep '^Size' info.txt), expected $W, $H"
    [ "$(grep -c '^Band [0-9]' info.txt)" = 2 ] || fail "$(grep -c '^Band [0-9]' info.txt) bands, expected 2"
    grep -q 'Type=Float' info.txt || fail "bands are not floating point"
    [ "$(grep -E '^ +Description = ' info.txt | tr -d ' ' | tr '\n' ' ')" = "Description=u Description=v " ] ||
        fail "band descriptions: $(grep Description info.txt | tr '\n' ' ')"
    [ "$(grep -ci 'NoData Value=nan' info.txt)" = 2 ] || fail "NoData is not nan: $(grep -i nodata info.txt | head -n 1)"
    grep -q 'GEOGCRS\["WGS 84"' info.txt || fail "CRS is not WGS 84"
    grep -q 'ID\["EPSG",4326\]' info.txt || fail "CRS is not EPSG:4326"
    grep -q '^Origin = (-180\.0*,90\.0*)' info.txt || fail "$(grep '^Origin' info.txt)"
    local px
    px=$(sed -n 's/^Pixel Size = (\(.*\),\(.*\))$/\1 \2/p' info.txt)
    expect_close "${px% *}" "$(awk -v w="$W" 'BEGIN { printf "%.17g", 360 / w }')" 1e-12
    expect_close "${px#* }" "$(awk -v h="$H" 'BEGIN { printf "%.17g", -180 / h }')" 1e-12
    grep -q 'GEOEMBED_SAMPLES=500' info.txt || fail "no sample count in the metadata"
    # band 1 holds the same field as the CSV grid (float32)
    if command -v gdal_translate >/dev/null; then
        run ge predict field.bin --grid g.csv
        expect_rc 0
        gdal_translate -q -of XYZ -b 1 g.tif b1.xyz || fail "gdal_translate failed"
        local d
        d=$(awk -F, 'NR == FNR { if (FNR > 1) u[$1 " " $2] = $3; next }
            { k = $1 " " $2; if (!(k in u)) { miss++; next }
              e = $3 - u[k]; if (e < 0) e = -e; if (e > m) m = e; n++ }
            END { if (miss || n != w * h) print "mismatch " miss " " n; else print m }' w="$W" h="$H" g.csv FS=' ' b1.xyz)
        expect_num "$d" '<' 1e-6
    fi
}

test_eval_text() {
    fixture_model
    run ge eval field.bin field.csv --pooled # u and v share units
    expect_rc 0
    expect_out 'MAE'
    expect_out 'RMSE'
    expect_out 'R2'
    local r2
    r2=$(awk '$1 == "(all)" { print $NF }' "$OUT")
    expect_num "$r2" '>' 0.99
    for t in u v; do
        r2=$(awk -v t=$t '$1 == t { print $NF }' "$OUT")
        expect_num "$r2" '>' 0.99
    done
}

test_eval_json() {
    need python3
    fixture_model
    run ge eval field.bin field.csv --json --pooled
    expect_rc 0
    local v
    v=$(json_get 'd["overall"]["r2"]' <"$OUT") || fail "eval --json is not JSON: $(head -c 200 "$OUT")"
    expect_num "$v" '>' 0.99
    v=$(json_get 'd["overall"]["mae"]' <"$OUT")
    expect_num "$v" '<' 0.05
    v=$(json_get 'd["overall"]["rmse"]' <"$OUT")
    expect_num "$v" '<' 0.05
    v=$(json_get '[t["name"] for t in d["targets"]]' <"$OUT")
    [ "$v" = '["u", "v"]' ] || fail "targets $v"
    v=$(json_get 'd["targets"][0]["samples"]' <"$OUT")
    [ "$v" = 500 ] || fail "samples $v"
}

test_fit_stdin() {
    write_field f.csv
    run_in f.csv ge fit - -o m.bin --epochs 20 --smooth 1
    expect_rc 0
    expect_file m.bin
    expect_no_file ./-
    expect_err '500 samples'
    run ge info m.bin
    expect_rc 0
    expect_out '<stdin>'
}

test_fit_quiet() {
    write_field f.csv
    run ge fit f.csv -o m.bin --epochs 5 -q --smooth 1
    expect_rc 0
    expect_file m.bin
    expect_quiet
    run ge predict m.bin --grid g.tif -q
    expect_rc 0
    expect_quiet
    run ge predict m.bin f.csv -o p.csv --quiet
    expect_rc 0
    expect_quiet
}

# The same samples in every dialect give the same model: compare the grids.
fit_grid() { # INPUT OUTGRID [options]
    local in=$1 g=$2
    shift 2
    run ge fit "$in" -o "$in.bin" --epochs 20 --threads 1 "$@" --smooth 1
    expect_rc 0
    expect_err '^geoembed: fit: 500 samples \(0 skipped'
    run ge predict "$in.bin" --grid "$g" --threads 1
    expect_rc 0
}

test_csv_tab_delimiter() {
    write_field f.csv
    tr ',' '\t' <f.csv >f.tsv
    fit_grid f.csv ref.csv
    fit_grid f.tsv tab.csv
    expect_same tab.csv ref.csv
}

test_csv_semicolon_delimiter() {
    write_field f.csv
    tr ',' ';' <f.csv >f.txt
    fit_grid f.csv ref.csv
    fit_grid f.txt semi.csv
    expect_same semi.csv ref.csv
    fit_grid f.txt semi2.csv --delimiter ';'
    expect_same semi2.csv ref.csv
}

test_csv_quoted_header() {
    write_field f.csv
    { echo '"lon","lat","u","v"'; tail -n +2 f.csv | awk -F, '{ printf "\"%s\",%s,\"%s\",%s\n", $1, $2, $3, $4 }'; } >q.csv
    fit_grid f.csv ref.csv
    fit_grid q.csv q_grid.csv
    expect_same q_grid.csv ref.csv
}

test_csv_crlf() {
    write_field f.csv
    sed 's/$/\r/' f.csv >crlf.csv
    fit_grid f.csv ref.csv
    fit_grid crlf.csv crlf_grid.csv
    expect_same crlf_grid.csv ref.csv
    run ge info crlf.csv.bin --json
    grep -q '"targets": \["u", "v"\]' "$OUT" || fail "targets carry the CR: $(grep -o '"targets": [^]]*]' "$OUT")"
}

test_csv_bom() {
    write_field f.csv
    { printf '\357\273\277'; cat f.csv; } >bom.csv
    fit_grid f.csv ref.csv
    fit_grid bom.csv bom_grid.csv
    expect_same bom_grid.csv ref.csv
    run ge info bom.csv.bin
    expect_out 'coordinates: +lon, lat$'
}

test_csv_missing_targets() {
    write_field f.csv
    # 50 rows with u = NA, 50 with an empty v, 5 with NaN
    awk -F, -v OFS=, 'NR > 1 && NR % 10 == 0 { $3 = "NA" } NR > 1 && NR % 10 == 5 { $4 = "" }
        NR == 3 || NR == 13 || NR == 23 || NR == 33 || NR == 43 { $3 = "NaN" } { print }' f.csv >na.csv
    run ge fit na.csv -o m.bin --epochs 5 --smooth 1
    expect_rc 0
    # a sample missing one target still teaches the other
    expect_err '^geoembed: fit: 500 samples \(0 skipped: 0 outside the exterior, 0 without a target value\)'
    expect_err '^geoembed: fit: values missing \(each sample still teaches its other targets\): u 55, v 50$'
    run ge info m.bin --json
    expect_out '"samples": 500'
    # eval scores each target on the rows that have it
    run ge eval m.bin na.csv --json
    expect_rc 0
    expect_out '"skipped": 0'
    expect_num "$(json_get '[t["samples"] for t in d["targets"] if t["name"] == "u"][0]' <"$OUT")" == 445
    expect_num "$(json_get '[t["samples"] for t in d["targets"] if t["name"] == "v"][0]' <"$OUT")" == 450
}

# Same seed, same data, same threads: byte-identical models, including the
# default --smooth auto (chosen by seeded cross-validation).
test_fit_determinism_same_seed() {
    write_field f.csv 20 10
    run ge fit f.csv -o a.bin --epochs 10 --seed 42 --batch-size 64
    expect_rc 0
    run ge fit f.csv -o b.bin --epochs 10 --seed 42 --batch-size 64
    expect_rc 0
    expect_same a.bin b.bin
    run ge fit f.csv -o c.bin --epochs 10 --seed 43 --batch-size 64
    expect_rc 0
    cmp -s a.bin c.bin && fail "a different seed gives the same model"
    return 0
}

test_fit_threads_agree() {
    write_field f.csv
    write_points p.csv 100
    run ge fit f.csv -o t1.bin --epochs 50 --threads 1 --smooth 1
    expect_rc 0
    run ge fit f.csv -o t2.bin --epochs 50 --threads 2 --smooth 1
    expect_rc 0
    run ge predict t1.bin p.csv -o p1.csv --threads 1
    expect_rc 0
    run ge predict t2.bin p.csv -o p2.csv --threads 2
    expect_rc 0
    local d
    d=$(paste -d, p1.csv p2.csv | awk -F, 'NR > 1 { for (c = 4; c <= 5; c++) {
            e = $c - $(c + 5); if (e < 0) e = -e; if (e > m) m = e; w = $c < 0 ? -$c : $c; if (w > s) s = w } }
        END { print m / s }')
    expect_num "$d" '<' 1e-9
}

test_fit_options_run() {
    write_field f.csv
    local opts
    while IFS= read -r opts; do
        rm -f m.bin g.csv
        # shellcheck disable=SC2086
        local smooth=(--smooth 1) # unless the line gives its own: an option once
        case " $opts " in *" --smooth "*) smooth=() ;; esac
        run ge fit f.csv -o m.bin --epochs 10 "${smooth[@]}" $opts
        [ "$RC" -eq 0 ] || fail "fit $opts: exit $RC: $(err1)"
        expect_file m.bin
        quick && continue
        run ge predict m.bin --grid g.csv
        [ "$RC" -eq 0 ] || fail "predict after fit $opts: exit $RC: $(err1)"
        awk -F, 'NR > 1 && ($3 != $3 + 0 || $4 != $4 + 0) { exit 1 }' g.csv || fail "fit $opts: grid not finite"
    done <<'EOF'
--no-standardize
--readout cell --smooth 0
--loss l1
--loss huber --huber-delta 0.5
--optimizer sgd --momentum 0.9
--batch-size 64
--validation 0.2 --patience 5
--size 20,10 --features 2 --padding 2,1
--bbox -180,-90,180,90 --wrap none
--exterior -180,-90,360,180 --wrap xy
--smooth 0.1 --lr 0.01
EOF
    run ge fit f.csv -o m.bin --epochs 10 --readout cell --smooth 0 --loss l1 --optimizer sgd --momentum 0.9 --no-standardize
    expect_rc 0
    run ge info m.bin --json
    expect_out '"readout": "cell"'
    expect_out '"loss": "l1"'
    expect_out '"optimizer": "sgd"'
    expect_out '"standardized": false'
}

test_fit_validation_reports() {
    write_field f.csv
    run ge fit f.csv -o m.bin --epochs 50 --validation 0.2 --patience 5 --smooth 1
    expect_rc 0
    expect_err 'validation loss [0-9.e+-]+ \(best epoch [0-9]+\)'
    run ge info m.bin --json
    expect_rc 0
    need python3
    local v
    v=$(json_get 'd["validation_loss"]' <"$OUT")
    expect_num "$v" '>' 0
}

test_fit_option_spellings() {
    write_field f.csv
    run ge fit f.csv --output=m1.bin --epochs=5 --seed=3 -q --smooth=1
    expect_rc 0
    run ge fit -q --epochs 5 --seed 3 --smooth 1 -o m2.bin -- f.csv
    expect_rc 0
    expect_same m1.bin m2.bin
}

test_planar_data() {
    awk 'BEGIN { srand(3); print "x,y,val"
        for (i = 0; i < 300; i++) { x = 1000 * rand(); y = 500 * rand(); printf "%.3f,%.3f,%.6f\n", x, y, sin(x / 200) + cos(y / 100) } }' >pl.csv
    run ge fit pl.csv -o pl.bin --epochs 20 --smooth 1
    expect_rc 0
    expect_err 'no CRS'
    expect_err '300 samples'
    run ge info pl.bin
    expect_rc 0
    expect_out 'CRS: +none'
    expect_out 'targets: +val$'
    run ge predict pl.bin pl.csv
    expect_rc 0
    [ "$(csv_header "$OUT")" = "x,y,val,val_pred" ] || fail "header $(csv_header "$OUT")"
    if command -v gdalinfo >/dev/null; then
        run ge predict pl.bin --grid pl.tif
        expect_rc 0
        gdalinfo pl.tif >info.txt 2>&1 || fail "gdalinfo failed"
        grep -q 'GEOGCRS\|PROJCRS' info.txt && fail "a planar model's grid carries a CRS"
        grep -q '^Band 1' info.txt || fail "no band"
    fi
    return 0
}

test_predict_grid_options() {
    fixture_model
    run ge predict field.bin --grid g.csv --bbox -90,-45,90,45 --size 18,9
    expect_rc 0
    [ "$(csv_rows g.csv)" = 162 ] || fail "$(csv_rows g.csv) rows, expected 18*9"
    awk -F, 'NR > 1 && ($1 < -90 || $1 > 90 || $2 < -45 || $2 > 45) { exit 1 }' g.csv || fail "cells outside the --bbox"
    # the classic GDAL spellings take separate values
    run ge predict field.bin --grid g2.csv -te -90 -45 90 45 -ts 18 9
    expect_rc 0
    expect_same g2.csv g.csv
    run ge predict field.bin --grid g3.csv --resolution 30,30
    expect_rc 0
    [ "$(csv_rows g3.csv)" = 72 ] || fail "$(csv_rows g3.csv) rows, expected 12*6"
}

test_overwrite_replaces_atomically() {
    write_field f.csv
    run ge fit f.csv -o m.bin --epochs 5 --seed 1 --smooth 1
    expect_rc 0
    cp m.bin old.bin
    local ino1 ino2
    ino1=$(stat -c %i m.bin)
    run ge fit f.csv -o m.bin --epochs 5 --seed 2 --smooth 1
    expect_rc 0
    ino2=$(stat -c %i m.bin)
    cmp -s m.bin old.bin && fail "m.bin was not replaced"
    [ "$ino1" != "$ino2" ] || fail "m.bin was rewritten in place, not renamed into place"
    expect_no_tmp
    run ge info m.bin
    expect_rc 0
}

test_failed_fit_keeps_old_model() {
    write_field f.csv
    run ge fit f.csv -o m.bin --epochs 5 --smooth 1
    expect_rc 0
    cp m.bin old.bin
    { head -n 5 f.csv; echo "1,2,abc,3"; } >bad.csv
    run ge fit bad.csv -o m.bin --epochs 5 --smooth 1
    expect_rc 1
    expect_same m.bin old.bin
    run ge fit f.csv -o m.bin --epochs 5x --smooth 1
    expect_rc 2
    expect_same m.bin old.bin
    run ge fit f.csv -o m.bin --x nope --smooth 1
    expect_rc 1
    expect_same m.bin old.bin
    expect_no_tmp
}

test_predict_overwrites_output() {
    fixture_model
    write_points p.csv 10
    echo stale >out.csv
    run ge predict field.bin p.csv -o out.csv
    expect_rc 0
    [ "$(csv_rows out.csv)" = 10 ] || fail "out.csv not replaced"
    echo stale >g.tif
    run ge predict field.bin --grid g.tif
    expect_rc 0
    [ "$(head -c 5 g.tif)" = stale ] && fail "g.tif not replaced"
    expect_no_tmp
}

# Runs geoembed ARGS in the background, sends SIGTERM PAUSE seconds after a
# stderr line matches PATTERN, and leaves its exit status in RC (timeout
# passes the TERM on and exits with the command's status).
term_after() {
    local pattern=$1 pause=$2 _
    shift 2
    timeout -k 10 300 "${E2E_WRAP[@]}" "$GEOEMBED" "$@" >"$OUT" 2>"$ERR" </dev/null &
    local pid=$!
    for _ in $(seq 1 600); do
        grep -q "$pattern" "$ERR" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    sleep "$pause"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    RC=$?
}

test_sigterm_saves_model() {
    write_field f.csv
    term_after 'geoembed: fit: grid' 0.5 fit f.csv -o m.bin --epochs 100000000 --smooth 1
    expect_rc 143
    expect_err 'interrupted after epoch [0-9]+; saved'
    expect_file m.bin
    expect_no_tmp
    run ge info m.bin
    expect_rc 0
}

# SIGTERM during the exact solve (no search: --smooth given): before, the
# signal was caught and ignored, the solve ran to its end and exit 0 with a
# model; now it stops at the next iteration or block of draws, writes
# nothing and exits 143.
test_sigterm_stops_the_exact_solve() {
    write_field f.csv
    term_after 'needs about' 1 fit f.csv -o m.bin --size 700,700 --smooth 1 --draws 400
    expect_rc 143
    expect_err 'interrupted while solving; nothing written'
    expect_no_file m.bin
    expect_no_tmp
}
