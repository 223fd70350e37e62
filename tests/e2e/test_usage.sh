# Usage: every option of every command either applies or is refused (a table
# checked against `geoembed --list-options`), --where on CSV input, and the
# messages for typos and for inputs that are not what a command expects.
# shellcheck shell=bash

# Small inputs for the table: a CSV of the test field (lon,lat,u,v), the same
# with other coordinate names and ';' (e,n), a GeoJSON of it, a 2-band raster
# (bands named a and b), and a fitted model of u,v.
usage_fixtures() {
    write_field f.csv 8 6
    awk -F, 'NR == 1 { print "e;n;u;v"; next } { print $1 ";" $2 ";" $3 ";" $4 }' f.csv >en.csv
    ogr2ogr -f GeoJSON -a_srs EPSG:4326 -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat \
        -oo AUTODETECT_TYPE=YES -nln pts pts.geojson f.csv 2>/dev/null || fail "ogr2ogr GeoJSON"
    local b
    for b in 1 2; do
        awk -v b=$b 'BEGIN { print "ncols 8"; print "nrows 6"; print "xllcorner 0"
            print "yllcorner 0"; print "cellsize 1"
            for (r = 0; r < 6; r++) { l = ""; for (c = 0; c < 8; c++) l = l sprintf(" %g", b * c + r); print l } }' >"b$b.asc"
    done
    gdalbuildvrt -q -separate r0.vrt b1.asc b2.asc || fail "gdalbuildvrt"
    # band names a and b: descriptions in the VRT, kept by gdal_translate
    sed -e 's|<VRTRasterBand \(.*\)band="1"\(.*\)>|&<Description>a</Description>|' \
        -e 's|<VRTRasterBand \(.*\)band="2"\(.*\)>|&<Description>b</Description>|' r0.vrt >r.vrt
    gdal_translate -q -a_srs EPSG:32633 r.vrt r.tif || fail "gdal_translate"
    gdalinfo r.tif | grep -q 'Description = b' || fail "band names were not kept"
    ge fit f.csv -o m.bin --epochs 2 --smooth 1 --size 4,4 -q || fail "fixture fit"
    ge fit r.tif --band 1 -o mr.bin --epochs 2 --smooth 1 --size 4,4 -q || fail "fixture fit raster"
}

# row CMD OPTION RC REGEX ARGS...: `geoembed ARGS` exits with RC; REGEX (when
# not empty) matches its stdout or stderr; a usage error (2) is one line that
# names OPTION (or matches REGEX). Records CMD OPTION as audited.
row() {
    local cmd=$1 opt=$2 rc=$3 re=$4
    shift 4
    echo "$cmd $opt" >>audited
    run ge "$@"
    [ "$RC" -eq "$rc" ] || fail "geoembed $*: expected exit status $rc, got $RC: $(err1)"
    if [ -n "$re" ] && ! grep -Eq -- "$re" "$OUT" "$ERR"; then
        fail "geoembed $*: no /$re/ in the output: $(err1)"
    fi
    if [ "$rc" -eq 2 ]; then
        expect_error_line "${re:-$opt}"
    fi
}

test_every_option_applies_or_is_refused() {
    need ogr2ogr
    need gdal_translate
    need python3
    usage_fixtures
    local F=(f.csv --epochs 1 --smooth 1 --size 4,4) C=(--folds 2)
    # --- global flags: help, quiet, verbose, and the memory ceiling
    local c
    for c in fit predict eval info cv plot; do
        row "$c" --help 0 "usage: geoembed $c" "$c" --help
    done
    row fit --quiet 0 '' fit "${F[@]}" -o o.bin --quiet
    [ -s "$ERR" ] && fail "fit --quiet printed: $(err1)"
    row fit --verbose 0 'epoch 1 loss' fit "${F[@]}" -o o.bin --verbose
    row predict --quiet 0 '' predict m.bin --grid g.csv -q
    row predict --verbose 0 '' predict m.bin --grid g.csv -v
    row eval --quiet 0 '' eval m.bin f.csv -q
    row eval --verbose 0 '' eval m.bin f.csv -v
    row info --quiet 0 '' info m.bin -q
    row info --verbose 0 '' info m.bin -v
    row cv --quiet 0 '' cv "${F[@]}" "${C[@]}" -q
    row cv --verbose 0 'fold 1 done' cv "${F[@]}" "${C[@]}" -v
    row plot --quiet 0 '' plot m.bin -o p.png -q
    row plot --verbose 0 '' plot m.bin -o p.png -v
    for c in fit predict eval info cv plot; do
        echo "$c --max-memory" >>audited # another engineer's option: its own tests
    done
    # --- fit: input options by kind of input
    row fit --output 0 '' fit "${F[@]}" -o o.bin
    expect_file o.bin
    row fit --x 0 'fit: 48 samples' fit en.csv --epochs 1 --smooth 1 --size 4,4 --x e --y n -o o.bin
    row fit --x 2 '' fit r.tif --x e -o o.bin
    row fit --y 2 '' fit pts.geojson --y n -o o.bin
    row fit --delimiter 0 '' fit en.csv --epochs 1 --smooth 1 --size 4,4 --x e --y n --delimiter ';' -o o.bin
    row fit --delimiter 2 '' fit pts.geojson --delimiter ';' -o o.bin
    row fit --target 0 '' fit "${F[@]}" --target v -o o.bin
    ge info o.bin | grep -Eq 'targets: +v$' || fail "fit --target v: targets $(ge info o.bin | grep targets)"
    row fit --target 0 '' fit r.tif --target b --epochs 1 --smooth 1 --size 4,4 -o o.bin
    ge info o.bin | grep -Eq 'targets: +b$' || fail "fit r.tif --target b: $(ge info o.bin | grep targets)"
    row fit --target 1 "no band named 'w' \(bands: a, b\)" fit r.tif --target w -o o.bin
    # a raster per target: no INPUT, NAME=RASTER[:BAND]
    row fit --target 0 'fit: wrote o\.bin' fit --target x=r.tif:1,y=r.tif:2 --epochs 1 --smooth 1 --size 4,4 -o o.bin
    ge info o.bin | grep -Eq 'targets: +x, y$' || fail "fit --target x=r.tif:1,y=r.tif:2: $(ge info o.bin | grep targets)"
    row fit --target 2 "target 'y': expected NAME=RASTER" fit --target x=r.tif,y -o o.bin
    awk -F, -v OFS=, '{ print $0, (NR == 1 ? "g" : NR % 2 ? "odd" : "even") }' f.csv >fg.csv
    row fit --group 0 'wrote og_even\.bin' fit fg.csv --group g --size 4,4 --smooth 1 -o og.bin
    row fit --group 2 '--group does not apply to r\.tif' fit r.tif --group g -o o.bin
    row fit --band 0 'fit: 48 samples' fit r.tif --band 2 --epochs 1 --smooth 1 --size 4,4 -o o.bin
    row fit --band 2 '' fit f.csv --band 1 -o o.bin
    row fit --band 2 '' fit r.tif --band 1 --target a -o o.bin
    row fit --max-samples 0 'fit: 10 samples' fit r.tif --max-samples 10 --epochs 1 --smooth 1 --size 4,4 -o o.bin
    row fit --max-samples 2 '' fit f.csv --max-samples 10 -o o.bin
    row fit --max-samples 2 '' fit pts.geojson --max-samples 10 -o o.bin
    row fit --layer 0 '' fit pts.geojson --layer pts --epochs 1 --smooth 1 --size 4,4 -o o.bin
    row fit --layer 2 '' fit f.csv --layer pts -o o.bin
    row fit --where 0 'fit: 24 samples' fit "${F[@]}" --where 'lat > 0' -o o.bin
    row fit --where 0 'fit: 24 samples' fit pts.geojson --epochs 1 --smooth 1 --size 4,4 --where 'lat > 0' -o o.bin
    row fit --where 2 '' fit r.tif --where 'a > 0' -o o.bin
    row fit --src-crs 0 '' fit en.csv --epochs 1 --smooth 1 --size 4,4 --x e --y n --src-crs EPSG:4326 -o o.bin
    ge info o.bin | grep -q 'EPSG:4326' || fail "fit --src-crs: the model has no EPSG:4326"
    row fit --crs 0 '' fit "${F[@]}" --crs EPSG:3857 -o o.bin
    ge info o.bin | grep -q 'EPSG:3857' || fail "fit --crs: the model is not in EPSG:3857"
    row fit --strict 1 'outside the exterior \(--strict\)' fit "${F[@]}" --bbox 0,0,50,50 --strict -o o.bin
    # --- fit: the model and its training
    row fit --size 0 'grid 4x4 cells' fit "${F[@]}" -o o.bin
    row fit --features 0 'x 2 features' fit "${F[@]}" --features 2 -o o.bin
    row fit --padding 0 'padding 2,1' fit f.csv --epochs 1 --smooth 1 --padding 2,1 --size 8,8 -o o.bin
    row fit --bbox 0 '' fit "${F[@]}" --bbox -180,-90,180,90 -o o.bin
    row fit --exterior 0 '' fit "${F[@]}" --exterior -180,-90,360,180 -o o.bin
    row fit --wrap 0 'wrap y' fit "${F[@]}" --wrap y -o o.bin
    row fit --readout 0 'readout cell' fit "${F[@]}" --readout cell -o o.bin
    row fit --smooth 0 'smooth 0.5' fit f.csv --epochs 1 --size 4,4 --smooth 0.5 -o o.bin
    row fit --epochs 0 ' 3 epochs' fit f.csv --smooth 1 --size 4,4 --epochs 3 -o o.bin
    row fit --lr 0 'lr 0.001' fit "${F[@]}" --lr 0.001 -o o.bin
    row fit --loss 0 'l1, adam' fit "${F[@]}" --loss l1 -o o.bin
    row fit --huber-delta 0 'huber' fit "${F[@]}" --loss huber --huber-delta 0.5 -o o.bin
    row fit --huber-delta 2 '' fit "${F[@]}" --huber-delta 0.5 -o o.bin
    row fit --optimizer 0 'sgd lr' fit "${F[@]}" --optimizer sgd -o o.bin
    row fit --momentum 0 '' fit "${F[@]}" --optimizer sgd --momentum 0.9 -o o.bin
    row fit --momentum 2 '' fit "${F[@]}" --momentum 0.9 -o o.bin
    row fit --batch-size 0 '' fit "${F[@]}" --batch-size 8 -o o.bin
    ge info o.bin | grep -q 'batch mini' || fail "fit --batch-size: not mini-batch"
    row fit --seed 0 '' fit "${F[@]}" --seed 7 -o o.bin
    ge info o.bin | grep -q 'seed 7' || fail "fit --seed 7: $(ge info o.bin | grep seed)"
    row fit --threads 0 '' fit "${F[@]}" --threads 1 -o o.bin
    row fit --validation 0 'validation loss' fit "${F[@]}" --validation 0.25 -o o.bin
    row fit --patience 0 '' fit "${F[@]}" --validation 0.25 --patience 1 -o o.bin
    row fit --patience 2 '' fit "${F[@]}" --patience 1 -o o.bin
    row fit --standardize 0 'standardised targets' fit "${F[@]}" --standardize -o o.bin
    row fit --no-standardize 0 '' fit "${F[@]}" --no-standardize -o o.bin
    grep -q 'standardised targets' "$ERR" && fail "fit --no-standardize still standardised"
    row fit --init 0 '' fit f.csv --init m.bin --epochs 1 --smooth 1 -o o.bin
    row fit --init 2 '' fit f.csv --init m.bin --size 8,8 -o o.bin
    row fit --checkpoint-every 0 '' fit "${F[@]}" --checkpoint-every 1 -o o.bin
    row fit --checkpoint-every 2 '' fit "${F[@]}" --checkpoint-every 1 -o -
    row fit --resume 1 'ckpt' fit "${F[@]}" --resume -o none.bin
    row fit --progress 0 'epoch 1/1' fit "${F[@]}" --progress -o o.bin
    if ge --list-options | grep -q $'^fit\t--method'; then # another engineer's option
        row fit --method 0 '' fit f.csv --size 4,4 --smooth 1 --method exact -o o.bin
        row fit --method 0 '' fit f.csv --size 4,4 --smooth 1 --method gradient -o o.bin
        row cv --method 0 '' cv f.csv --size 4,4 --smooth 1 --folds 2 --method exact
        row fit --transform 1 "f\.csv:[0-9]+: [uv] is -?[0-9.e-]+: --transform log" \
            fit f.csv --size 4,4 --smooth 1 --transform log -o o.bin
        row fit --transform 2 "--transform: 'w' is not a target" \
            fit f.csv --size 4,4 --smooth 1 --transform log:w -o o.bin
        row fit --transform 2 '--transform: a fit from --init' \
            fit f.csv --init m.bin --epochs 1 --transform log -o o.bin
        row cv --transform 2 '--transform expects none, log or log:NAME' \
            cv f.csv --size 4,4 --smooth 1 --folds 2 --transform sqrt
        awk -F, -v OFS=, '{ print $0, (NR == 1 ? "wt" : 1 + NR % 2) }' f.csv >fw.csv
        row fit --weight 0 '' fit fw.csv --size 4,4 --smooth 1 --weight wt -o o.bin
        row fit --weight 2 '--weight applies to the exact solve' \
            fit fw.csv --size 4,4 --smooth 1 --weight wt --method gradient -o o.bin
        row cv --weight 1 "no column 'nope' \(--weight\)" cv f.csv --size 4,4 --smooth 1 --folds 2 --weight nope
        row fit --sigma 2 'give --weight or --sigma, not both' \
            fit fw.csv --size 4,4 --smooth 1 --weight wt --sigma wt -o o.bin
        row cv --sigma 0 '' cv fw.csv --size 4,4 --smooth 1 --folds 2 --sigma wt
        row fit --weight 2 '--weight does not apply to r\.tif' fit r.tif --weight wt -o o.bin
        row fit --draws 0 '' fit f.csv --size 4,4 --smooth 1 --draws 10 -o o.bin
        row cv --draws 0 'coverage: ' cv f.csv --size 4,4 --smooth 1 --folds 2 --draws 10
        row fit --draws 2 '--draws applies to the exact solve' \
            fit f.csv --size 4,4 --smooth 1 --draws 10 --method gradient -o o.bin
        row fit --solver 0 'multigrid conjugate gradients' \
            fit f.csv --size 4,4 --smooth 1 --solver multigrid -o o.bin
        row cv --solver 0 '' cv f.csv --size 4,4 --smooth 1 --folds 2 --solver cholesky
        row fit --solver 2 '--solver applies to the exact solve' \
            fit f.csv --size 4,4 --smooth 1 --solver multigrid --method gradient -o o.bin
        row fit --solver 2 '--solver expects one of: auto cholesky multigrid' \
            fit f.csv --size 4,4 --smooth 1 --solver lu -o o.bin
        row predict --std 0 'u_std' predict o.bin f.csv --std
        row plot --std 0 'panel 2: \(u, v\) std, colours' plot o.bin -o p.png --std -v
        row plot --std 2 'needs a model that knows its uncertainty' plot m.bin -o p.png --std
        row predict --exceed 0 'v_p_exceed' predict o.bin f.csv --exceed v=0.5
        row predict --exceed 2 '--exceed expects VALUE' predict o.bin f.csv --exceed u=x
        awk -F, -v OFS=, '{ print $0, (NR == 1 ? "c,k" : NR % 5 "," NR % 2) }' f.csv >fc.csv
        row fit --covariates 0 '' fit fc.csv --size 4,4 --smooth 1 --covariates c -o oc.bin
        row cv --covariates 2 '--covariates applies to the exact solve' \
            cv fc.csv --size 4,4 --smooth 1 --folds 2 --covariates c --method gradient
        row fit --categorical 0 '' fit fc.csv --size 4,4 --smooth 1 --covariates c,k --categorical k -o oc2.bin
        row cv --categorical 2 '--categorical applies to --covariates' \
            cv fc.csv --size 4,4 --smooth 1 --folds 2 --categorical k
        row predict --covariate 2 '--covariate: the model has no covariates' \
            predict o.bin --grid gc.csv --covariate c=r.tif
        row predict --covariate 2 '--covariate' predict oc.bin fc.csv --covariate c=r.tif
    fi
    # --- cv: the input options as in fit, and its own
    row cv --x 0 '' cv en.csv --epochs 1 --smooth 1 --size 4,4 --folds 2 --x e --y n
    row cv --x 2 '' cv r.tif --x e
    row cv --y 2 '' cv r.tif --y n
    row cv --delimiter 0 '' cv en.csv --epochs 1 --smooth 1 --size 4,4 --folds 2 --x e --y n --delimiter ';'
    row cv --delimiter 2 '' cv r.tif --delimiter ';'
    row cv --target 0 ' v +[0-9]' cv "${F[@]}" "${C[@]}" --target v
    row cv --target 0 ' y +[0-9]' cv --target x=r.tif:1,y=r.tif:2 --epochs 1 --smooth 1 --size 4,4 --folds 2
    awk -F, -v OFS=, '{ print $0, (NR == 1 ? "g" : NR % 2 ? "odd" : "even") }' f.csv >fg.csv
    row cv --group 0 '^odd ' cv fg.csv --group g --size 4,4 --smooth 1 --folds 2
    row cv --group 1 "no column 'h' \(--group\)" cv fg.csv --group h --folds 2
    row cv --src-crs 0 '' cv en.csv --epochs 1 --smooth 1 --size 4,4 --folds 2 --x e --y n --src-crs EPSG:4326
    row cv --crs 0 '' cv "${F[@]}" "${C[@]}" --crs EPSG:3857
    row cv --layer 0 '' cv pts.geojson --epochs 1 --smooth 1 --size 4,4 --folds 2 --layer pts
    row cv --layer 2 '' cv f.csv --layer pts
    row cv --where 0 'cv: 24 samples' cv "${F[@]}" "${C[@]}" --where 'lat > 0'
    row cv --where 2 '' cv r.tif --where 'a > 0'
    row cv --band 0 ' a +[0-9]' cv r.tif --band 1 --epochs 1 --smooth 1 --size 4,4 --folds 2
    row cv --band 2 '' cv f.csv --band 1
    row cv --max-samples 0 'cv: 10 samples' cv r.tif --max-samples 10 --epochs 1 --smooth 1 --size 4,4 --folds 2
    row cv --max-samples 2 '' cv f.csv --max-samples 10
    row cv --strict 2 '' cv "${F[@]}" "${C[@]}" --strict
    local o
    for o in --features:2 --padding:0 --bbox:-180,-90,180,90 --exterior:-180,-90,360,180 \
        --wrap:y --readout:cell --lr:0.001 --loss:l1 --optimizer:sgd --batch-size:8 --seed:3 \
        --threads:1; do
        row cv "${o%%:*}" 0 '' cv "${F[@]}" "${C[@]}" "${o%%:*}" "${o#*:}"
    done
    row cv --size 0 'grid 4x4' cv "${F[@]}" "${C[@]}"
    row cv --smooth 0 ' 0.5$' cv f.csv --epochs 1 --size 4,4 --folds 2 --smooth 0.5
    row cv --epochs 0 '3 epochs' cv f.csv --smooth 1 --size 4,4 --folds 2 --epochs 3
    row cv --huber-delta 0 '' cv "${F[@]}" "${C[@]}" --loss huber --huber-delta 0.5
    row cv --huber-delta 2 '' cv "${F[@]}" "${C[@]}" --huber-delta 0.5
    row cv --momentum 0 '' cv "${F[@]}" "${C[@]}" --optimizer sgd --momentum 0.5
    row cv --momentum 2 '' cv "${F[@]}" "${C[@]}" --momentum 0.5
    row cv --standardize 0 '' cv "${F[@]}" "${C[@]}" --standardize
    row cv --no-standardize 0 '' cv "${F[@]}" "${C[@]}" --no-standardize
    row cv --folds 0 '^3 +v' cv "${F[@]}" --folds 3
    row cv --block 0 'spatial-block' cv "${F[@]}" "${C[@]}" --block 90
    row cv --json 0 '"per_fold"' cv "${F[@]}" "${C[@]}" --json
    row cv --pooled 0 '^mean +\(all\)' cv "${F[@]}" "${C[@]}" --pooled
    row cv --progress 0 '' cv "${F[@]}" "${C[@]}" --progress
    # --- eval
    row eval --x 0 '^u ' eval m.bin en.csv --x e --y n
    row eval --x 2 '' eval mr.bin r.tif --x e
    row eval --y 2 '' eval m.bin pts.geojson --y n
    row eval --delimiter 0 '' eval m.bin en.csv --x e --y n --delimiter ';'
    row eval --delimiter 2 '' eval m.bin pts.geojson --delimiter ';'
    row eval --target 0 '^v ' eval m.bin f.csv --target v,u
    row eval --src-crs 0 '' eval m.bin en.csv --x e --y n --src-crs EPSG:4326
    row eval --layer 0 '' eval m.bin pts.geojson --layer pts
    row eval --layer 2 '' eval m.bin f.csv --layer pts
    row eval --where 0 '^u +24 ' eval m.bin f.csv --where 'lat > 0'
    row eval --where 2 '' eval mr.bin r.tif --where 'a > 0'
    row eval --band 0 '^a ' eval mr.bin r.tif --band 1
    row eval --band 2 '' eval m.bin f.csv --band 1
    row eval --threads 0 '' eval m.bin f.csv --threads 1
    row eval --json 0 '"targets"' eval m.bin f.csv --json
    row eval --pooled 0 '^\(all\)' eval m.bin f.csv --pooled
    row eval --max-distance 0 '^u ' eval m.bin f.csv --max-distance auto
    row eval --max-distance 2 '' eval m.bin f.csv --max-distance -1
    row predict --max-distance 0 'u_pred' predict m.bin f.csv --max-distance none
    row predict --max-distance 0 '' predict m.bin --grid g.csv --max-distance 5
    row predict --max-distance 2 '' predict m.bin f.csv --max-distance far
    row plot --max-distance 0 '' plot m.bin -o p.png --max-distance 1000
    printf '%s\n' '{"type":"FeatureCollection","features":[' \
        '{"type":"Feature","properties":{"n":"a"},"geometry":{"type":"Polygon","coordinates":[[[-100,-50],[100,-50],[100,50],[-100,50],[-100,-50]]]}}]}' >mask.geojson
    row predict --mask 0 'u_pred' predict m.bin f.csv --mask mask.geojson
    row eval --mask 0 '^u ' eval m.bin f.csv --mask mask.geojson
    row plot --mask 0 '' plot m.bin -o p.png --mask mask.geojson
    row predict --mask 1 'nope\.gpkg: cannot open the --mask' predict m.bin f.csv --mask nope.gpkg
    row predict --mask-layer 2 "--mask-layer: mask.geojson has no layer 'x'" \
        predict m.bin f.csv --mask mask.geojson --mask-layer x
    row eval --mask-layer 2 '--mask-layer applies to --mask' eval m.bin f.csv --mask-layer x
    row plot --mask-layer 0 '' plot m.bin -o p.png --mask mask.geojson --mask-layer mask
    row predict --mask-where 1 'holds no polygon that --mask-where selects' \
        predict m.bin f.csv --mask mask.geojson --mask-where "n = 'b'"
    row eval --mask-where 2 '--mask-where applies to --mask' eval m.bin f.csv --mask-where "n = 'a'"
    # a field the mask lacks: one line (before, GDAL's own message came first)
    row predict --mask-where 2 'mask-where .nosuch = 1.: .nosuch. not recognised' \
        predict m.bin f.csv --mask mask.geojson --mask-where "nosuch = 1"
    row plot --mask-where 0 '' plot m.bin -o p.png --mask mask.geojson --mask-where "n = 'a'"
    # --- info
    row info --json 0 '"grid"' info m.bin --json
    # --- predict: points options, grid options
    row predict --output 0 '' predict m.bin f.csv -o p.csv
    expect_file p.csv
    row predict --output 2 '' predict m.bin --grid g.csv -o p.csv
    row predict --x 0 '' predict m.bin en.csv --x e --y n
    row predict --x 2 '' predict m.bin --grid g.csv --x e
    row predict --x 2 '' predict m.bin pts.geojson --x e
    row predict --y 2 '' predict m.bin --grid g.csv --y n
    row predict --delimiter 0 'u_pred' predict m.bin en.csv --x e --y n --delimiter ';'
    row predict --delimiter 2 '' predict m.bin --grid g.csv --delimiter ';'
    row predict --delimiter 2 '' predict m.bin pts.geojson --delimiter ';'
    row predict --src-crs 0 '' predict m.bin en.csv --x e --y n --src-crs EPSG:4326
    row predict --src-crs 2 '' predict m.bin --grid g.csv --src-crs EPSG:4326
    row predict --layer 0 'u_pred' predict m.bin pts.geojson --layer pts
    row predict --layer 2 '' predict m.bin f.csv --layer pts
    row predict --layer 2 '' predict m.bin --grid g.csv --layer pts
    row predict --where 0 '' predict m.bin f.csv --where 'lat > 0' -o p.csv
    [ "$(csv_rows p.csv)" = 24 ] || fail "predict --where on CSV kept $(csv_rows p.csv) of 48 rows"
    row predict --where 0 '' predict m.bin pts.geojson --where 'lat > 0' -o p.csv
    [ "$(csv_rows p.csv)" = 24 ] || fail "predict --where on GeoJSON kept $(csv_rows p.csv) rows"
    row predict --where 2 '' predict m.bin --grid g.csv --where 'lat > 0'
    row predict --grid 0 '' predict m.bin --grid g.csv
    expect_file g.csv
    row predict --size 0 '' predict m.bin --grid g.csv --size 3,2
    [ "$(csv_rows g.csv)" = 6 ] || fail "predict --size 3,2 wrote $(csv_rows g.csv) pixels"
    row predict --size 2 '' predict m.bin f.csv --size 3,2
    row predict --bbox 0 '' predict m.bin --grid g.csv --bbox 0,0,10,10 --size 1,1
    grep -q '^5,5,' g.csv || fail "predict --bbox: the pixel is not at 5,5"
    row predict --bbox 2 '' predict m.bin f.csv --bbox 0,0,10,10
    row predict --resolution 0 '' predict m.bin --grid g.csv --bbox 0,0,10,10 --resolution 5,5
    [ "$(csv_rows g.csv)" = 4 ] || fail "predict --resolution 5,5 wrote $(csv_rows g.csv) pixels"
    row predict --resolution 2 '' predict m.bin f.csv --resolution 5,5
    row predict --dst-crs 0 '' predict m.bin --grid g.tif --dst-crs EPSG:3857 --size 4,4
    gdalinfo g.tif | grep -q 'Pseudo-Mercator' || fail "predict --dst-crs: not EPSG:3857"
    row predict --dst-crs 2 '' predict m.bin f.csv --dst-crs EPSG:3857
    row predict --co 0 '' predict m.bin --grid g.tif --co COMPRESS=LZW
    gdalinfo g.tif | grep -q 'COMPRESSION=LZW' || fail "predict --co COMPRESS=LZW not applied"
    row predict --co 2 '' predict m.bin f.csv --co COMPRESS=LZW
    row predict --of 0 '' predict m.bin --grid g.dat --of GTiff
    gdalinfo g.dat | grep -q 'GTiff' || fail "predict --grid --of GTiff"
    row predict --of 0 '' predict m.bin f.csv --of GPKG -o p.dat
    ogrinfo -so p.dat 2>/dev/null | grep -q GPKG || fail "predict --of GPKG did not write a GeoPackage"
    row predict --threads 0 '' predict m.bin --grid g.csv --threads 1
    row predict --like 0 '' predict mr.bin --grid g.tif --like r.tif
    gdalinfo g.tif | grep -q 'Size is 8, 6' || fail "predict --like r.tif: not 8 x 6"
    row predict --like 2 '' predict mr.bin r.tif --like r.tif
    row predict --exact-resolution 0 '' predict m.bin --grid g.csv --bbox 0,0,10,10 --resolution 4,4 --exact-resolution
    [ "$(csv_rows g.csv)" = 9 ] || fail "predict --exact-resolution 4,4 wrote $(csv_rows g.csv) pixels"
    row predict --exact-resolution 2 '' predict m.bin --grid g.csv --exact-resolution
    row predict --target-aligned-pixels 0 '' predict m.bin --grid g.csv --bbox 1,1,9,9 --resolution 4,4 --target-aligned-pixels
    grep -q '^2,10,' g.csv || fail "predict --target-aligned-pixels: first pixel $(sed -n 2p g.csv)"
    row predict --target-aligned-pixels 2 '' predict m.bin f.csv --target-aligned-pixels
    row predict --tap 0 '' predict m.bin --grid g.csv --bbox 1,1,9,9 --resolution 4,4 --tap
    row predict -tap 0 '' predict m.bin --grid g.csv --bbox 1,1,9,9 -tr 4 4 -tap
    row predict -tap 2 '--target-aligned-pixels needs --resolution' predict m.bin --grid g.csv -tap
    row predict --ot 0 '' predict m.bin --grid g.tif --ot Int32 --nodata -1
    gdalinfo g.tif | grep -q 'Type=Int32' || fail "predict --ot Int32"
    row predict -ot 0 '' predict m.bin --grid g.tif -ot Float64
    gdalinfo g.tif | grep -q 'Type=Float64' || fail "predict -ot Float64"
    row predict --ot 2 '' predict m.bin --grid g.tif --ot Int32
    row predict --ot 2 '' predict m.bin f.csv --ot Int32
    row predict --nodata 0 '' predict m.bin --grid g.tif --nodata -9999
    gdalinfo g.tif | grep -q 'NoData Value=-9999' || fail "predict --nodata -9999"
    row predict -a_nodata 0 '' predict m.bin --grid g.tif -a_nodata -1
    row predict --nodata 2 '' predict m.bin --grid g.csv --nodata -9999
    row predict --nodata 2 '' predict m.bin f.csv --nodata -9999
    ge fit f.csv --target u -o mu.bin --epochs 2 --smooth 1 --size 4,4 -q || fail "fixture fit u"
    row predict --contours 0 'contour lines every 0.5 of u' predict mu.bin --grid g.tif --contours 0.5 --contours-out c.gpkg
    ogrinfo -so c.gpkg c | grep -q 'u: Real' || fail "predict --contours: no u field in c.gpkg"
    row predict --contours 2 '' predict mu.bin --grid g.tif --contours 0.5
    row predict --contours 2 '' predict mu.bin f.csv --contours 0.5 --contours-out c.gpkg
    row predict --contours-out 0 '' predict mu.bin --grid g.tif --contours 0.5 --contours-out c.geojson
    expect_file c.geojson
    row predict --contours-out 2 '' predict mu.bin --grid g.tif --contours-out c.gpkg
    # --- fill
    gdal_translate -q -a_nodata 0 r.tif rh.tif || fail "gdal_translate -a_nodata"
    row fill --help 0 'usage: geoembed fill' fill --help
    row fill -h 0 'usage: geoembed fill' fill -h
    row fill --output 0 'filled' fill rh.tif --output o.tif
    row fill -o 0 'filled' fill rh.tif -o o.tif
    row fill --output 2 'missing -o' fill rh.tif
    row fill --quiet 0 '' fill rh.tif -o o.tif --quiet
    [ -s "$ERR" ] && fail "fill --quiet printed: $(err1)"
    row fill -q 0 '' fill rh.tif -o o.tif -q
    row fill --verbose 0 'valid pixels' fill rh.tif -o o.tif --verbose
    row fill -v 0 'valid pixels' fill rh.tif -o o.tif -v
    row fill --band 0 'band 2: filled' fill rh.tif -o o.tif --band 2
    grep -q 'band 1' "$ERR" && fail "fill --band 2 filled band 1"
    row fill --band 2 '' fill rh.tif -o o.tif --band x
    row fill --threads 0 '' fill rh.tif -o o.tif --threads 1
    row fill --max-memory 0 '' fill rh.tif -o o.tif --max-memory 4G
    row fill --max-memory 1 'memory' fill rh.tif -o o.tif --max-memory 1K
    row fill --max-distance 0 'band 1: filled' fill rh.tif -o o.tif --max-distance 2
    row fill --max-distance 2 '' fill rh.tif -o o.tif --max-distance auto
    row fill --max-samples 0 'a model of 10 valid pixels' fill rh.tif -o o.tif --max-samples 10
    row fill --max-samples 2 '' fill rh.tif -o o.tif --max-samples 0
    row fill --of 0 '' fill rh.tif -o o.dat --of GTiff
    gdalinfo o.dat | grep -q GTiff || fail "fill --of GTiff"
    row fill -of 0 '' fill rh.tif -o o.dat -of GTiff
    row fill --of 2 '' fill rh.tif -o o.tif --of NoSuchDriver
    row fill --co 0 '' fill rh.tif -o o.tif --co COMPRESS=LZW
    gdalinfo o.tif | grep -q 'COMPRESSION=LZW' || fail "fill --co COMPRESS=LZW not applied"
    row fill -co 0 '' fill rh.tif -o o.tif -co COMPRESS=LZW
    row fill --co 2 '' fill rh.tif -o o.tif --co LZW
    # --- plot
    row plot --output 0 '' plot m.bin -o p.png
    expect_file p.png
    row plot --size 0 '' plot m.bin -o p.png --size 300,200
    file p.png | grep -q '300 x 200' || fail "plot --size: $(file p.png)"
    row plot --samples 0 '' plot m.bin -o p.png --samples f.csv
    row plot --threads 0 '' plot m.bin -o p.png --threads 1
    row plot --samples 0 '' plot m.bin -o p.png --samples pts.geojson
    row plot --of 0 '' plot m.bin -o p.dat --of svg
    grep -q '<svg' p.dat || fail "plot --of svg wrote no SVG"
    row plot --of 2 "no picture format" plot m.bin -o p.gif
    row plot --target 0 'panel 1: u, colours' plot m.bin -o p.png --target u -v
    row plot --target 2 '' plot m.bin -o p.png --target nope
    row plot --vector 0 'panel 2: v, colours' plot m.bin -o p.png --vector none -v
    row plot --vector 0 '\(v, u\), .* arrows' plot m.bin -o p.png --vector v,u -v
    row plot --cmap 0 '' plot m.bin -o p.png --target u --cmap cividis
    row plot --cmap 2 '' plot m.bin -o p.png --cmap cividis
    row plot --vmin 0 'colours from -2 ' plot m.bin -o p.png --target u --vmin -2 -v
    row plot --vmin 2 '' plot m.bin -o p.png --vmin -2
    row plot --vmax 0 'to 2,' plot m.bin -o p.png --target u --vmax 2 -v
    row plot --vmax 2 '' plot m.bin -o p.png --target u --vmax x
    row plot --log 0 'colours from 0.5 to 2' plot m.bin -o p.png --target u --log --vmin 0.5 --vmax 2 -v
    row plot --log 2 '' plot m.bin -o p.png --log
    row plot --contours 0 '' plot m.bin -o p.png --target u --contours 4
    row plot --contours 2 '' plot m.bin -o p.png --target u --contours 4.5
    row plot --units 0 '' plot m.bin -o p.png --units m/s
    row plot --marker-size 0 '' plot m.bin -o p.png --samples f.csv --marker-size 3
    row plot --marker-size 2 '' plot m.bin -o p.png --marker-size 3
    row plot --marker-alpha 0 '' plot m.bin -o p.png --samples f.csv --marker-alpha 0.5
    row plot --marker-alpha 2 '' plot m.bin -o p.png --samples f.csv --marker-alpha 0
    printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[-100,0],[100,0]]}}]}' >line.geojson
    row plot --overlay 0 '' plot m.bin -o p.png --overlay line.geojson
    row plot --overlay 1 'no line or polygon to draw' plot m.bin -o p.png --overlay pts.geojson
    row plot --overlay-layer 0 '' plot m.bin -o p.png --overlay line.geojson --overlay-layer line
    row plot --overlay-layer 2 '' plot m.bin -o p.png --overlay-layer pts
    # Every documented option of every command is in the table above.
    local missing
    missing=$(ge --list-options | awk -F'\t' '$6 != "" { print $1 " " $2 }' | sort -u |
        comm -23 - <(sort -u audited) | tr '\n' ',')
    [ -z "$missing" ] || fail "options without a row in this table: $missing"
}

test_where_on_csv() {
    cat >s.csv <<'CSV'
lon,lat,zinc,soil,note
0,0,100,clay,a
1,0,600,sand,
2,0,900,"clay",NA
3,1,,clay,b
4,1,510,loam,it's
5,2,700,sand,c
6,3,50,clay,d
CSV
    run ge fit s.csv --target zinc --where "zinc > 500" -o m.bin --epochs 1 --smooth 1 --size 4,4
    expect_rc 0
    expect_err 'fit: 4 samples'
    run ge fit s.csv --target zinc --where "soil = 'clay' AND (zinc < 200 OR zinc >= 900)" -o m.bin --epochs 1 --smooth 1 --size 4,4
    expect_rc 0
    expect_err 'fit: 3 samples'
    # a missing cell is NULL: neither zinc <= 500 nor NOT (zinc <= 500) holds for it
    run ge fit s.csv --target zinc --where "NOT zinc <= 500 or soil <> 'clay'" -o m.bin --epochs 1 --smooth 1 --size 4,4
    expect_rc 0
    expect_err 'fit: 4 samples \(0 skipped'
    run ge predict m.bin s.csv --where "note IS NULL" -o p.csv
    expect_rc 0
    [ "$(csv_rows p.csv)" = 2 ] || fail "note IS NULL kept $(csv_rows p.csv) rows"
    run ge predict m.bin s.csv --where "note = 'it''s'" -o p.csv
    expect_rc 0
    [ "$(csv_rows p.csv)" = 1 ] || fail "note = 'it''s' kept $(csv_rows p.csv) rows"
    # errors: syntax (usage), an unknown column (with the columns there are),
    # text where a number is compared (file, line and column)
    run ge fit s.csv --where "zinc >" -o m2.bin
    expect_rc 2
    expect_error_line "fit: --where: expected a column, number or 'text' at character 7 of 'zinc >'"
    run ge fit s.csv --where "zink > 5" -o m2.bin
    expect_rc 1
    expect_error_line "s\.csv: --where: no column 'zink' \(columns: lon, lat, zinc, soil, note\)"
    run ge fit s.csv --target zinc --where "soil > 5" -o m2.bin
    expect_rc 1
    expect_error_line "s\.csv:2: column 'soil' \(4\): --where compares it with 5, got 'clay'"
    expect_no_file m2.bin
}

test_typos_get_suggestions() {
    write_field data.csv 4 3
    run ge fitt data.csv
    expect_rc 2
    expect_error_line "unknown command 'fitt'; did you mean 'fit'\?"
    run ge --versoin
    expect_rc 2
    expect_error_line "unknown option '--versoin'; did you mean '--version'\?"
    run ge help predcit
    expect_rc 2
    expect_error_line "did you mean 'predict'\?"
    run ge fit data.csv -o m.bin --epoch 3
    expect_rc 2
    expect_error_line "unknown option '--epoch'; did you mean '--epochs'\?"
    run ge fit data.csv -o m.bin --smoth=1
    expect_rc 2
    expect_error_line "unknown option '--smoth'; did you mean '--smooth'\?"
    run ge fit data.csv -o m.bin --loss hubber
    expect_rc 2
    expect_error_line "did you mean 'huber'\?"
    run ge fit data.csv -o m.bin --frobnicate
    expect_rc 2
    expect_error_line "unknown option '--frobnicate' \(see"
}

test_missing_column_lists_columns() {
    write_field f.csv 4 3
    run ge fit f.csv --target w -o m.bin
    expect_rc 1
    expect_error_line "f\.csv: no column 'w' \(--target\) in the header \(columns: lon, lat, u, v\)"
    run ge fit f.csv --x east -o m.bin
    expect_rc 1
    expect_error_line "no column 'east' \(--x\) in the header \(columns: lon, lat, u, v\)"
    ge fit f.csv -o m.bin --epochs 1 --smooth 1 --size 4,4 -q || fail "fit"
    printf 'a,b\n1,2\n' >ab.csv
    run ge predict m.bin ab.csv
    expect_rc 1
    expect_error_line "ab\.csv: no x column 'lon' \(columns: a, b; name it with --x\)"
}

test_wrong_kind_of_input_says_what_it_is() {
    need gdal_translate
    write_field f.csv 4 3
    ge fit f.csv -o m.bin --epochs 1 --smooth 1 --size 4,4 -q || fail "fit"
    printf 'ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2\n3 4\n' >r.asc
    gdal_translate -q -of GTiff r.asc r.tif || fail "gdal_translate"
    run ge predict m.bin r.tif
    expect_rc 1
    expect_error_line "r\.tif: a GTiff raster \(1 band, 2x2 pixels\); expected points"
    run ge plot m.bin -o p.png --samples r.tif
    expect_rc 1
    expect_error_line "r\.tif: a GTiff raster .*--samples expects points"
    # a GeoJSON cut short
    printf '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"u": 1}, "geometry": {"type": "Point", "coordinates": [1,' >broken.geojson
    run ge predict m.bin broken.geojson
    expect_rc 1
    expect_error_line "broken\.geojson: a damaged or unreadable GeoJSON file"
    run ge fit broken.geojson -o m2.bin
    expect_rc 1
    expect_error_line "broken\.geojson: a damaged or unreadable GeoJSON file"
    expect_no_err 'NUL byte'
    # a netCDF with several variables has subdatasets, no bands of its own
    if gdalinfo --formats 2>/dev/null | grep -q netCDF && command -v ncgen >/dev/null; then
        cat >two.cdl <<'CDL'
netcdf two { dimensions: x = 2 ; y = 2 ; variables: float a(y, x) ; float b(y, x) ;
data: a = 1, 2, 3, 4 ; b = 5, 6, 7, 8 ; }
CDL
        ncgen -o two.nc two.cdl || fail "ncgen"
        run ge fit two.nc -o m3.bin
        expect_rc 1
        expect_error_line 'two\.nc: a netCDF file with 2 subdatasets; name one, e\.g\. NETCDF:"two\.nc":a'
    fi
}

test_pooled_row_only_when_declared() {
    fixture_field field.csv
    ge fit field.csv -o field.bin --epochs 20 --smooth 1 -q || fail "fit"
    run ge eval field.bin field.csv
    expect_rc 0
    expect_out '^u '
    grep -q '(all)' "$OUT" && fail "eval printed the (all) row for targets u, v without --pooled"
    run ge eval field.bin field.csv --json
    [ "$(json_get '"overall" in d' <"$OUT")" = False ] || fail "eval --json has 'overall' without --pooled"
    run ge eval field.bin field.csv --pooled
    expect_out '^\(all\) '
    # one target: its row and the pooled row are the same thing
    ge fit field.csv --target u -o u.bin --epochs 20 --smooth 1 -q || fail "fit"
    run ge eval u.bin field.csv
    expect_out '^\(all\) '
}

test_info_of_a_model_on_stdin_and_loss_units() {
    write_field f.csv 4 3
    run_in f.csv ge fit - -o - --epochs 2 --smooth 1 --size 4,4 -q
    expect_rc 0
    cp "$OUT" m.bin
    run_in m.bin ge info -
    expect_rc 0
    expect_out '^<stdin>: geoembed model'
    expect_out 'trained on: +<stdin>'
    expect_out 'final loss: +training [0-9.e+-]+ \(standardised units\)$'
    run_in m.bin ge info - --json
    [ "$(json_get 'd["file"]' <"$OUT")" = "<stdin>" ] || fail "file $(json_get 'd["file"]' <"$OUT")"
    [ "$(json_get 'd["loss_units"]' <"$OUT")" = standardised ] || fail "loss_units"
    ge fit f.csv -o raw.bin --epochs 2 --smooth 1 --size 4,4 --no-standardize -q || fail "fit"
    run ge info raw.bin
    expect_no_err .
    grep -q 'standardised units' "$OUT" && fail "raw targets said to be standardised"
    [ "$(ge info raw.bin --json | json_get 'd["loss_units"]')" = targets ] || fail "loss_units raw"
}

# A terminal on stderr (script(1) gives the command one); the output with
# carriage returns as newlines in $OUT.
run_on_tty() {
    script -qec "$*" /dev/null </dev/null | tr '\r' '\n' >"$OUT"
}

test_progress_on_a_terminal() {
    need script
    need mkfifo
    write_field f.csv 40 30
    ge fit f.csv -o m.bin --epochs 2 --smooth 1 --size 4,4 -q || fail "fit"
    # reading: the input arrives slowly (a pause after 5000 rows)
    awk 'NR == 1 { print; next } { for (k = 0; k < 10; k++) print }' f.csv >big.csv
    printf '#!/bin/sh\nhead -n 5001 big.csv; sleep 2; tail -n +5002 big.csv\n' >slow.sh
    run_on_tty "sh slow.sh | $GEOEMBED eval m.bin -"
    grep -Eq '^geoembed: eval: reading: [0-9]+ rows \([0-9]+s\)' "$OUT" ||
        fail "no reading progress: $(head -c 300 "$OUT")"
    grep -q '^u ' "$OUT" || fail "eval did not finish: $(head -c 300 "$OUT")"
    run_on_tty "sh slow.sh | $GEOEMBED eval m.bin - -q"
    grep -q 'reading' "$OUT" && fail "progress under -q"
    # predict --grid: the output is a FIFO whose reader comes late
    mkfifo grid.fifo
    (sleep 2; cat grid.fifo >/dev/null) &
    run_on_tty "$GEOEMBED predict m.bin --grid grid.fifo --of CSV --size 50,40"
    wait
    grep -Eq '^geoembed: predict: [0-9]+ of 40 rows \([0-9]+%, ETA [0-9]+s\)' "$OUT" ||
        fail "no grid progress: $(head -c 300 "$OUT")"
    # fit: the solves after the penalty search (the fields, then the
    # uncertainty's draws: 2 fields + 200 draws + 5 folds x (2 + 16)) show
    # their progress; before, the bar stood still for that phase
    run_on_tty "$GEOEMBED fit f.csv -o big.bin --size 300,300 --smooth 1 --draws 200"
    grep -Eq '^geoembed: fit: solving: [0-9]+ of 292 solves \([0-9]+%, ETA [0-9]+s\)' "$OUT" ||
        fail "no progress of the solves: $(head -c 300 "$OUT")"
    awk '/solving: [0-9]+ of/ { for (i = 1; i <= NF; i++) if ($i == "of" && $(i - 1) + 0 > $(i + 1) + 0) bad = 1 }
         END { exit bad }' "$OUT" || fail "more solves than counted: $(grep solving "$OUT" | tail -3)"
    [ -s big.bin ] || fail "fit on a terminal wrote no model"
    run_on_tty "$GEOEMBED fit f.csv -o big.bin --size 300,300 --smooth 1 --draws 200 -q"
    grep -q 'solving' "$OUT" && fail "fit progress under -q"
    # not a terminal: nothing
    (sleep 2; cat grid.fifo >/dev/null) &
    run ge predict m.bin --grid grid.fifo --of CSV --size 50,40
    wait
    expect_rc 0
    expect_quiet
}

# Idle OpenMP workers wait passively after a short spin (wait_policy.c)
# unless the user sets a policy. Before the fix a pre-initialiser's setenv
# was undone by libc's start-up and libgomp spun 300000 times (2 threads 16%
# slower than 1 beside a competing process).
test_openmp_workers_wait_passively() {
    OMP_DISPLAY_ENV=verbose run ge --version
    expect_rc 0
    expect_err "OMP_WAIT_POLICY = 'PASSIVE'"
    expect_err "GOMP_SPINCOUNT = '10000'"
    OMP_DISPLAY_ENV=verbose OMP_WAIT_POLICY=active run ge --version
    expect_rc 0
    expect_err "OMP_WAIT_POLICY = 'ACTIVE'"
}
