# Issue 12, items 3 and 7: a raster per target (--target u=u.tif,v=v.tif, netCDF
# subdatasets too) and one model per group of samples (--group COLUMN).
# shellcheck shell=bash

# An ESRI ASCII grid of 12 x 10 pixels of 100 m from (500000, 4000000), the
# values of EXPR (awk, in c and r), -9999 (nodata) at pixel NODATA ("c r").
write_asc() {
    awk -v nc="${4:-12}" -v hole="$3" 'BEGIN { print "ncols " nc; print "nrows 10"
        print "xllcorner 500000"; print "yllcorner 4000000"; print "cellsize 100"
        print "NODATA_value -9999"
        for (r = 0; r < 10; r++) { l = ""; for (c = 0; c < nc; c++) {
            v = '"$2"'; if (c " " r == hole) v = -9999; l = l sprintf(" %.6f", v) } print l } }' >"$1"
}

# u.tif and v.tif (Float32, EPSG:32633, one nodata pixel each, not the same),
# and uv.tif holding both as two bands.
write_uv() {
    write_asc u.asc 'sin(c / 3) + r / 4' '3 2'
    write_asc v.asc 'cos(r / 3) - c / 5' '7 5'
    gdal_translate -q -a_srs EPSG:32633 -ot Float32 u.asc u.tif || fail "u.tif"
    gdal_translate -q -a_srs EPSG:32633 -ot Float32 v.asc v.tif || fail "v.tif"
    gdalbuildvrt -q -separate uv.vrt u.tif v.tif || fail "gdalbuildvrt"
    gdal_translate -q uv.vrt uv.tif || fail "uv.tif"
}

# Predictions of MODEL at a few points, without the header (x,y,PRED...).
predictions_at() {
    printf 'x,y\n500150,4000250\n500777,4000777\n501000,4000100\n500420,4000930\n' >pts.csv
    ge predict "$1" pts.csv -q | tail -n +2
}

test_target_rasters_fit_the_model_of_one_two_band_raster() {
    need gdal_translate
    need gdalbuildvrt
    write_uv
    run ge fit --target u=u.tif,v=v.tif --size 6,5 --smooth 0.1 -o sep.bin
    expect_rc 0
    # a nodata pixel is a missing value of its own target only
    expect_err 'values missing .*: u 1, v 1'
    expect_err 'fit: 120 samples'
    ge fit uv.tif --size 6,5 --smooth 0.1 -o two.bin -q || fail "fit uv.tif"
    local want
    want=$(predictions_at two.bin)
    [ "$(echo "$want" | wc -l)" = 4 ] || fail "predictions: $want"
    [ "$(predictions_at sep.bin)" = "$want" ] || fail "u.tif + v.tif: $(predictions_at sep.bin), two bands: $want"
    # bands chosen as RASTER:BAND, the same values
    ge fit --target u=uv.tif:1,v=uv.tif:2 --size 6,5 --smooth 0.1 -o bands.bin -q || fail "fit uv.tif:1"
    [ "$(predictions_at bands.bin)" = "$want" ] || fail "uv.tif:1,uv.tif:2: $(predictions_at bands.bin)"
    run ge info sep.bin --json
    [ "$(json_get '[d["targets"], d["source"], d["samples"], d["source_grid"] is not None]' <"$OUT")" = \
        '[["u", "v"], "u.tif,v.tif", 120, true]' ] ||
        fail "info: $(json_get '[d["targets"], d["source"], d["samples"], d["source_grid"] is not None]' <"$OUT")"
    # predict's default grid is the rasters' own
    ge predict sep.bin --grid g.tif -q || fail "predict --grid"
    [ "$(gdalinfo -json g.tif | json_get 'str(d["geoTransform"]) + str(d["size"])')" = \
        "$(gdalinfo -json u.tif | json_get 'str(d["geoTransform"]) + str(d["size"])')" ] || fail "default grid"
    # cv reads them the same way: a row per target and fold
    run ge cv --target u=u.tif,v=v.tif --size 6,5 --smooth 0.1 --folds 3
    expect_rc 0
    [ "$(grep -Ec '^[123] +(u|v) ' "$OUT")" = 6 ] || fail "cv: $(cat "$OUT")"
}

test_target_rasters_from_netcdf_subdatasets() {
    need gdal_translate
    need gdalbuildvrt
    gdalinfo --formats | grep -qi netcdf || skip "GDAL has no netCDF driver"
    write_uv
    gdal_translate -q -of netCDF uv.tif uv.nc || fail "uv.nc"
    ge fit uv.tif --size 6,5 --smooth 0.1 -o two.bin -q || fail "fit uv.tif"
    run ge fit --target 'u=NETCDF:"uv.nc":Band1,v=NETCDF:"uv.nc":Band2' --size 6,5 --smooth 0.1 -o nc.bin
    expect_rc 0
    expect_err 'values missing .*: u 1, v 1'
    [ "$(predictions_at nc.bin)" = "$(predictions_at two.bin)" ] ||
        fail "netCDF: $(predictions_at nc.bin), GeoTIFF: $(predictions_at two.bin)"
}

test_target_rasters_refusals() {
    need gdal_translate
    need gdalbuildvrt
    write_uv
    write_asc w.asc 'c + r' '' 11
    gdal_translate -q -a_srs EPSG:32633 w.asc narrow.tif || fail "narrow.tif"
    gdal_translate -q -a_srs EPSG:4326 v.tif v_ll.tif || fail "v_ll.tif"
    run ge fit --target u=u.tif,v=narrow.tif -o x.bin
    expect_rc 1
    expect_error_line 'narrow\.tif: its grid \(11x10 pixels.*\) differs from u\.tif.s \(12x10 pixels.*must share one grid'
    run ge fit --target u=u.tif,v=v_ll.tif -o x.bin
    expect_rc 1
    expect_error_line 'v_ll\.tif: its grid \(.*another CRS\) differs from u\.tif'
    run ge cv --target u=u.tif,v=narrow.tif --folds 2
    expect_rc 1
    expect_error_line 'narrow\.tif: its grid'
    run ge fit --target u=u.tif:2,v=v.tif -o x.bin
    expect_rc 1
    expect_error_line 'u\.tif: no band 2 \(the raster has 1\)'
    run ge fit --target u=u.tif,v -o x.bin
    expect_rc 2
    expect_error_line "target 'v': expected NAME=RASTER"
    run ge fit --target u=u.tif,u=v.tif -o x.bin
    expect_rc 2
    expect_error_line "target 'u' is named twice"
    run ge fit --target u=u.tif:0 -o x.bin
    expect_rc 2
    expect_error_line "band '0' is not from 1 to 65535"
    run ge fit --target u=u.tif,v=v.tif --band 1 -o x.bin
    expect_rc 2
    expect_error_line '--band does not apply to --target NAME=RASTER'
    run ge fit --target u=u.tif,v=v.tif --group day -o x.bin
    expect_rc 2
    expect_error_line '--group does not apply to .*a raster'
    run ge fit --target u=nope.tif -o x.bin
    expect_rc 1
    expect_error_line "nope\.tif: cannot open as a raster \(target 'u'\)"
    run ge fit --target u=u.tif,v=v.tif -o v.tif
    expect_rc 2
    expect_error_line 'refusing to overwrite an input'
    expect_no_file x.bin
}

# days.csv: 3 days of 60 stations, a different field each day; day 3's
# stations lie in the west half only (a fit of it alone has another extent).
write_days() {
    awk 'BEGIN { srand(11); print "x,y,day,temp"
        split("2024-01-03 2024-01-01 2024-01-02", days, " ")
        for (d = 1; d <= 3; d++) { k = substr(days[d], 10) + 0
            for (i = 0; i < 60; i++) { x = rand() * (k == 3 ? 5 : 10); y = rand() * 10
                printf "%.4f,%.4f,%s,%.6f\n", x, y, days[d], 10 * k + sin(k * x / 3) + 0.3 * y } } }' >days.csv
}

test_group_fits_a_model_per_day_on_one_grid() {
    write_days
    run ge fit days.csv --group day --size 8,8 --smooth 0.5 -o m.bin
    expect_rc 0
    expect_err 'fit: 3 groups of .day., a model each on this grid'
    # in the groups' order, each file said
    [ "$(grep -o 'wrote m_[0-9-]*\.bin: group .[0-9-]*., 60 samples' "$ERR" | cut -c7-20 | tr '\n' ' ')" = \
        "m_2024-01-01.b m_2024-01-02.b m_2024-01-03.b " ] || fail "written: $(grep wrote "$ERR")"
    expect_file m_2024-01-01.bin
    expect_file m_2024-01-02.bin
    expect_file m_2024-01-03.bin
    expect_no_file m.bin
    # one grid for every day, from every sample: maps of the days line up
    local g1 g3
    g1=$(ge info m_2024-01-01.bin --json | json_get '[d["grid"], d["exterior"], d["cell_size"], d["samples"]]')
    g3=$(ge info m_2024-01-03.bin --json | json_get '[d["grid"], d["exterior"], d["cell_size"], d["samples"]]')
    [ "$g1" = "$g3" ] || fail "grids differ: $g1 and $g3"
    # each model is the fit of its day's rows alone on that grid
    local ext
    ext=$(ge info m_2024-01-01.bin --json | json_get '",".join("%.17g" % v for v in d["exterior"])')
    for day in 2024-01-01 2024-01-02 2024-01-03; do
        awk -F, -v d="$day" 'NR == 1 || $3 == d' days.csv >one.csv
        ge fit one.csv --target temp --exterior "$ext" --size 8,8 --smooth 0.5 -o one.bin -q || fail "fit $day"
        printf 'x,y\n1,1\n4.5,7.25\n2.2,9\n' >p.csv
        ge predict "m_$day.bin" p.csv -q >a.out || fail "predict m_$day.bin"
        ge predict one.bin p.csv -q >b.out || fail "predict one.bin"
        paste -d, a.out b.out | awk -F, 'NR > 1 { d = $3 - $6; if (d < 0) d = -d; if (d > m) m = d } END { print m + 0 }' >d.txt
        expect_num "$(cat d.txt)" '<' 1e-9
        # and the days differ (10 degrees apart): the groups were not mixed
        expect_close "$(awk -F, 'NR == 2 { print $3 }' a.out)" "$((10 * ${day: -1}))" 0.15
    done
    # alone, day 3 would have had another grid: the shared one is not its own
    awk -F, 'NR == 1 || $3 == "2024-01-03"' days.csv >d3.csv
    ge fit d3.csv --target temp --size 8,8 --smooth 0.5 -o alone.bin -q || fail "fit d3"
    [ "$(ge info alone.bin --json | json_get 'd["exterior"]')" != "$(ge info m_2024-01-03.bin --json | json_get 'd["exterior"]')" ] ||
        fail "day 3 alone has the same extent: the test proves nothing"
    # deterministic: the same run writes the same bytes
    mkdir again && (cd again && ge fit ../days.csv --group day --size 8,8 --smooth 0.5 -o m.bin -q) || fail "again"
    cmp -s m_2024-01-02.bin again/m_2024-01-02.bin || fail "group models differ between runs"
}

test_group_cv_a_line_per_group() {
    write_days
    run ge cv days.csv --group day --size 8,8 --smooth 0.5 --folds 3
    expect_rc 0
    [ "$(awk 'NR > 1 { print $1 }' "$OUT" | tr '\n' ' ')" = "2024-01-01 2024-01-02 2024-01-03 " ] ||
        fail "cv: $(cat "$OUT")"
    # a group's row is the cv of its rows alone on the shared grid
    local ext
    ge fit days.csv --group day --size 8,8 --smooth 0.5 -o m.bin -q || fail "fit"
    ext=$(ge info m_2024-01-01.bin --json | json_get '",".join("%.17g" % v for v in d["exterior"])')
    awk -F, 'NR == 1 || $3 == "2024-01-02"' days.csv >d2.csv
    ge cv d2.csv --target temp --exterior "$ext" --size 8,8 --smooth 0.5 --folds 3 -q >alone.txt || fail "cv d2"
    expect_close "$(awk '$1 == "2024-01-02" { print $5 }' "$OUT")" "$(awk '$1 == "mean" && $2 == "temp" { print $4 }' alone.txt)" 1e-9
    run ge cv days.csv --group day --size 8,8 --smooth 0.5 --folds 3 --json
    expect_rc 0
    [ "$(json_get '[g["group"] for g in d["groups"]] + [d["groups"][0]["samples"]]' <"$OUT")" = \
        '["2024-01-01", "2024-01-02", "2024-01-03", 60]' ] || fail "cv --json: $(cat "$OUT")"
}

test_group_names_order_and_refusals() {
    # numbers sort as numbers; with any other value, byte by byte; bytes other
    # than letters, digits, . - _ become _ in the file names
    printf 'x,y,site,t\n' >s.csv
    for g in 10 9 '"a b/c"'; do
        awk -v g="$g" 'BEGIN { for (i = 0; i < 12; i++) printf "%d,%d,%s,%d\n", i % 4, int(i / 4), g, i }' >>s.csv
    done
    grep -v 'a b' s.csv >n.csv
    run ge cv n.csv --group site --size 4,4 --smooth 1 --folds 2
    expect_rc 0
    [ "$(awk 'NR > 1 { print $1 }' "$OUT" | tr '\n' ' ')" = "9 10 " ] || fail "order: $(cat "$OUT")"
    run ge cv s.csv --group site --size 4,4 --smooth 1 --folds 2
    expect_rc 0
    [ "$(awk 'NR > 1 { print $1 }' "$OUT" | tr '\n' ' ')" = "10 9 a " ] || fail "order: $(cat "$OUT")"
    run ge fit s.csv --group site --size 4,4 --smooth 1 -o out/m
    expect_rc 1
    mkdir out
    run ge fit s.csv --group site --size 4,4 --smooth 1 -o out/m
    expect_rc 0
    [ "$(cd out && echo *)" = "m_10 m_9 m_a_b_c" ] || fail "names: $(cd out && echo *)"
    # a group's file that would be an input: refused before any model is written
    cp s.csv in_9.csv
    run ge fit in_9.csv --group site --size 4,4 --smooth 1 -o in.csv
    expect_rc 2
    expect_error_line 'refusing to overwrite an input'
    expect_no_file in_10.csv
    # two values that make one name, a row without a group
    printf 'x,y,site,t\n0,0,a b,1\n1,1,a/b,2\n' >clash.csv
    run ge fit clash.csv --group site --size 4,4 --smooth 1 -o c.bin
    expect_rc 1
    expect_error_line "groups 'a b' and 'a/b' \(--group site\) both name files '_a_b'"
    printf 'x,y,site,t\n0,0,a,1\n1,1,,2\n' >empty.csv
    run ge fit empty.csv --group site --size 4,4 --smooth 1 -o c.bin
    expect_rc 1
    expect_error_line "empty\.csv:3: column 'site' \(3\) \(--group\): no value"
    run ge fit s.csv --group nope -o c.bin
    expect_rc 1
    expect_error_line "no column 'nope' \(--group\)"
    run ge fit s.csv --group site -o -
    expect_rc 2
    expect_error_line '--group writes a model file per group'
    run ge fit s.csv --group site --checkpoint-every 5 -o c.bin
    expect_rc 2
    expect_error_line '--checkpoint-every does not apply with --group'
    run ge cv s.csv --group site --size 4,4 --smooth 1 --folds 13
    expect_rc 1
    expect_error_line "group '10' \(--group site\): 12 samples cannot make 13 folds"
    ls c*.bin 2>/dev/null && fail "a model was written"
    # the group column is not a default target
    run ge fit s.csv --group site --size 4,4 --smooth 1 -o out/t.bin
    expect_rc 0
    expect_err 'targets t$'
}

test_group_from_a_vector_source() {
    need ogr2ogr
    write_days
    # a GeoPackage whose day field is a Date: its groups are named as in the CSV
    ogr2ogr -f GPKG -oo X_POSSIBLE_NAMES=x -oo Y_POSSIBLE_NAMES=y -oo AUTODETECT_TYPE=YES \
        days.gpkg days.csv 2>/dev/null || fail "ogr2ogr"
    ogrinfo -so days.gpkg days | grep -q 'day: Date' || fail "day is not a Date: $(ogrinfo -so days.gpkg days | grep day)"
    run ge fit days.gpkg --group day --target temp --size 8,8 --smooth 0.5 -o v.bin
    expect_rc 0
    expect_err 'wrote v_2024-01-03\.bin: group .2024-01-03., 60 samples'
    ge fit days.csv --group day --target temp --size 8,8 --smooth 0.5 -o c.bin -q || fail "fit csv"
    ge predict v_2024-01-02.bin --grid a.csv --size 4,4 -q || fail "predict"
    ge predict c_2024-01-02.bin --grid b.csv --size 4,4 -q || fail "predict"
    paste -d, a.csv b.csv | awk -F, 'NR > 1 { d = $3 - $6; if (d < 0) d = -d; if (d > m) m = d } END { print m + 0 }' >d.txt
    expect_num "$(cat d.txt)" '<' 1e-9
    run ge fit days.gpkg --group nope -o x.bin
    expect_rc 1
    expect_error_line "no field 'nope' \(--group\)"
}
