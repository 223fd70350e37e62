# GIS formats: OGR vector and GDAL raster inputs, reprojection, GeoTIFF/COG
# grids checked through GDAL, and pipelines with GDAL's tools.
# shellcheck shell=bash

# The field as GeoJSON in EPSG:3857 (numeric attributes u, v).
write_geojson_3857() {
    fixture_field field.csv
    ogr2ogr -f GeoJSON -s_srs EPSG:4326 -t_srs EPSG:3857 -oo X_POSSIBLE_NAMES=lon \
        -oo Y_POSSIBLE_NAMES=lat -oo AUTODETECT_TYPE=YES "$1" field.csv 2>/dev/null ||
        fail "ogr2ogr could not make $1"
}

# A 2-band GeoTIFF, 40 x 30 pixels of 1 unit over (1000,2000)-(1040,2030) in
# EPSG:32633, band 1 = x/10 + y/20 - 150, band 2 = sin(x/7); a block of 6 x 5
# nodata holes (-9999) at columns 10..15, rows 8..12.
write_tiff_with_holes() {
    local b
    for b in 1 2; do
        awk -v band=$b 'BEGIN {
            print "ncols 40"; print "nrows 30"; print "xllcorner 1000"; print "yllcorner 2000"
            print "cellsize 1"; print "NODATA_value -9999"
            for (r = 0; r < 30; r++) {
                line = ""
                for (c = 0; c < 40; c++) {
                    x = 1000 + c + 0.5; y = 2030 - r - 0.5
                    v = band == 1 ? x / 10 + y / 20 - 150 : sin(x / 7)
                    if (c >= 10 && c <= 15 && r >= 8 && r <= 12) v = -9999
                    line = line sprintf("%s%.6f", c ? " " : "", v)
                }
                print line
            } }' >"band$b.asc"
    done
    gdalbuildvrt -q -separate bands.vrt band1.asc band2.asc || fail "gdalbuildvrt failed"
    gdal_translate -q -a_srs EPSG:32633 -a_nodata -9999 bands.vrt "$1" || fail "gdal_translate failed"
}

test_geojson_3857_fit_keeps_crs() {
    need ogr2ogr
    write_geojson_3857 pts.geojson
    run ge fit pts.geojson -o m.bin --smooth 1 --epochs 200
    expect_rc 0
    expect_err '500 samples'
    run ge info m.bin
    expect_out 'CRS: +WGS 84 / Pseudo-Mercator \(EPSG:3857\)'
    expect_out 'targets: +u, v'
    # lon/lat points are reprojected into the model's CRS for eval
    run ge eval m.bin field.csv --json --pooled
    expect_rc 0
    local r2
    r2=$(json_get 'd["overall"]["r2"]' <"$OUT")
    expect_num "$r2" ">" 0.95
}

test_geopackage_layer_and_where() {
    need ogr2ogr
    fixture_field field.csv
    ogr2ogr -f GPKG -a_srs EPSG:4326 -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat \
        -oo AUTODETECT_TYPE=YES -nln stations pts.gpkg field.csv 2>/dev/null || fail "ogr2ogr GPKG"
    run ge fit pts.gpkg --layer stations --where "lat > 0" -o m.bin --epochs 50 --smooth 1
    expect_rc 0
    expect_err '^geoembed: fit: 250 samples'
    run ge fit pts.gpkg --layer nope -o m2.bin
    expect_rc 1
    expect_error_line "pts\.gpkg: no layer 'nope'"
    expect_no_file m2.bin
    run ge fit pts.gpkg --where "no_such_field > 1" -o m3.bin
    expect_rc 1
    expect_error_line "invalid --where"
    # a filter that fails only when the layer is read: one line (before,
    # GDAL's own message about the feature count came first)
    run ge predict m.bin pts.gpkg --layer stations --where "no_such_field > 1" -o p.csv
    expect_rc 1
    expect_error_line "pts\.gpkg: reading layer 'stations'.*no_such_field"
    expect_no_file p.csv
}

test_polygons_use_centroids() {
    need ogr2ogr
    cat >poly.geojson <<'JSON'
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"z": 1.0}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[2,0],[2,2],[0,2],[0,0]]]}},
 {"type": "Feature", "properties": {"z": 2.0}, "geometry": {"type": "Point", "coordinates": [5, 5]}},
 {"type": "Feature", "properties": {"z": 3.0}, "geometry": {"type": "Point", "coordinates": [9, 1]}},
 {"type": "Feature", "properties": {"z": 4.0}, "geometry": {"type": "Point", "coordinates": [2, 8]}},
 {"type": "Feature", "properties": {"z": 5.0}, "geometry": null}
]}
JSON
    run ge fit poly.geojson -o m.bin --size 8,8 --epochs 20 --smooth 1
    expect_rc 0
    expect_err '1 non-point features taken at their centroid'
    expect_err '1 features without a geometry skipped'
    expect_err 'fit: 4 samples'
}

test_raster_with_holes_two_bands() {
    need gdal_translate
    write_tiff_with_holes in.tif
    run ge fit in.tif -o m.bin --epochs 300
    expect_rc 0
    # 1200 pixels, 30 of them nodata in both bands
    expect_err '^geoembed: fit: 1170 samples \(30 skipped: 0 outside the exterior, 30 without a target value'
    run ge info m.bin --json
    [ "$(json_get 'd["targets"]' <"$OUT")" = '["band_1", "band_2"]' ] || fail "targets $(json_get 'd["targets"]' <"$OUT")"
    [[ $(json_get 'd["crs_name"]' <"$OUT") == *32633* ]] || fail "crs $(json_get 'd["crs_name"]' <"$OUT")"
    # --band picks one band; --max-samples keeps a seeded subset
    run ge fit in.tif --band 2 --max-samples 500 -o m2.bin --epochs 20 --smooth 1
    expect_rc 0
    expect_err 'fit: 500 samples'
    run ge info m2.bin --json
    [ "$(json_get 'd["targets"]' <"$OUT")" = '["band_2"]' ] || fail "targets of --band 2"
    run ge fit in.tif --band 3 -o m3.bin
    expect_rc 1
    expect_error_line 'no band 3'
}

test_geotiff_grid_checked_through_gdal() {
    need gdalinfo
    write_tiff_with_holes in.tif
    ge fit in.tif -o m.bin --epochs 300 -q || fail "fit failed"
    run ge predict m.bin --grid out.tif --bbox 1000,2000,1040,2030 --size 40,30
    expect_rc 0
    expect_file out.tif
    expect_no_tmp
    run gdalinfo -json out.tif
    local info=$OUT
    [ "$(json_get 'd["size"]' <"$info")" = "[40, 30]" ] || fail "size $(json_get 'd["size"]' <"$info")"
    [ "$(json_get 'd["geoTransform"]' <"$info")" = "[1000.0, 1.0, 0.0, 2030.0, 0.0, -1.0]" ] ||
        fail "geotransform $(json_get 'd["geoTransform"]' <"$info")"
    [ "$(json_get 'len(d["bands"])' <"$info")" = 2 ] || fail "band count"
    [ "$(json_get '[b["description"] for b in d["bands"]]' <"$info")" = '["band_1", "band_2"]' ] ||
        fail "band descriptions"
    [ "$(json_get '[b["type"] for b in d["bands"]]' <"$info")" = '["Float32", "Float32"]' ] || fail "types"
    [ "$(json_get 'd["bands"][0]["noDataValue"]' <"$info")" = NaN ] || fail "nodata $(json_get 'd["bands"][0]["noDataValue"]' <"$info")"
    [[ $(json_get 'd["coordinateSystem"]["wkt"]' <"$info") == *'"EPSG",32633'* ]] || fail "CRS"
    [ "$(json_get 'd["metadata"][""]["GEOEMBED_MODEL"]' <"$info")" = m.bin ] || fail "metadata"
    [ "$(json_get 'd["metadata"]["IMAGE_STRUCTURE"]["COMPRESSION"]' <"$info")" = DEFLATE ] || fail "compression"
    # pixel values equal predict at the same points (pixel centres)
    printf 'x,y\n1000.5,2029.5\n1020.5,2015.5\n1039.5,2000.5\n1012.5,2019.5\n' >pts.csv
    run ge predict m.bin pts.csv
    expect_rc 0
    local i=0 px py want got
    while IFS=, read -r px py want _; do
        i=$((i + 1))
        [ "$i" -eq 1 ] && continue
        got=$(gdallocationinfo -valonly -b 1 -geoloc out.tif "$px" "$py")
        expect_close "$got" "$want" 1e-6
    done <"$OUT"
    # outside the model's exterior: NaN nodata
    ge predict m.bin --grid wide.tif --bbox 990,2000,1040,2030 --size 50,30 -q || fail "wide grid"
    got=$(gdallocationinfo -valonly -b 1 wide.tif 0 10)
    [[ $got == *nan* ]] || fail "pixel outside the exterior is '$got', expected nan"
}

test_cog_and_creation_options() {
    need gdalinfo
    fixture_model
    run ge predict field.bin --grid out.tif --of COG --size 300,150
    expect_rc 0
    run gdalinfo out.tif
    expect_out 'LAYOUT=COG'
    expect_out 'Size is 300, 150'
    expect_no_tmp
    ls ./*stage* >/dev/null 2>&1 && fail "COG staging file left behind"
    run ge predict field.bin --grid lzw.tif --co COMPRESS=LZW --size 30,15
    expect_rc 0
    run gdalinfo lzw.tif
    expect_out 'COMPRESSION=LZW'
    run ge predict field.bin --grid x.tif --of NoSuchDriver
    expect_rc 2
    expect_error_line "unknown raster format 'NoSuchDriver'"
    expect_no_file x.tif
}

test_dst_crs_reprojects_the_grid() {
    need gdalinfo
    fixture_model
    run ge predict field.bin --grid merc.tif --dst-crs EPSG:3857 --bbox -1e7,-5e6,1e7,5e6 --size 100,50
    expect_rc 0
    run gdalinfo -json merc.tif
    [[ $(json_get 'd["coordinateSystem"]["wkt"]' <"$OUT") == *'"EPSG",3857'* ]] || fail "CRS is not 3857"
    # the pixel at lon 0 (x = 0 m), lat ~0 holds u = cos(0) = 1, v = sin(0) = 0
    local u
    u=$(gdallocationinfo -valonly -b 1 -geoloc merc.tif 50000 50000)
    expect_close "$u" 1 0.05
    run ge predict field.bin --grid bad.tif --dst-crs EPSG:999999
    expect_rc 2
    expect_error_line 'unknown CRS'
}

test_src_crs_and_crs_options() {
    fixture_field field.csv
    # the same points as metres in EPSG:3857, declared with --src-crs
    ogr2ogr -f CSV -s_srs EPSG:4326 -t_srs EPSG:3857 -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat \
        -lco GEOMETRY=AS_XY merc.csv field.csv 2>/dev/null || fail "ogr2ogr CSV"
    run ge fit merc.csv --src-crs EPSG:3857 --target u,v -o m.bin --epochs 50 --smooth 1
    expect_rc 0
    run ge info m.bin
    expect_out 'EPSG:3857'
    # lon/lat input, model in a projected CRS
    run ge fit field.csv --crs EPSG:3857 -o m2.bin --epochs 50 --smooth 1
    expect_rc 0
    run ge info m2.bin
    expect_out 'EPSG:3857'
    run ge fit field.csv --crs NOT_A_CRS -o m3.bin
    expect_rc 2
    expect_error_line "unknown CRS 'NOT_A_CRS'"
    expect_no_file m3.bin
}

test_pipeline_ogr2ogr_to_fit_to_csv_grid() {
    need ogr2ogr
    fixture_field field.csv
    ogr2ogr -f GPKG -a_srs EPSG:4326 -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat \
        -oo AUTODETECT_TYPE=YES pts.gpkg field.csv 2>/dev/null || fail "ogr2ogr GPKG"
    ogr2ogr -f CSV /vsistdout/ pts.gpkg -lco GEOMETRY=AS_XY |
        ge fit - --src-crs EPSG:4326 --target u,v -o m.bin --epochs 50 --smooth 1 -q ||
        fail "ogr2ogr | geoembed fit - failed"
    expect_file m.bin
    local rows
    rows=$(ge predict m.bin --grid - --size 10,5 | awk 'END { print NR }')
    [ "$rows" = 51 ] || fail "CSV grid on stdout has $rows lines, expected 51"
    # GeoJSON through /vsistdin/
    ogr2ogr -f GeoJSON /vsistdout/ pts.gpkg | ge fit /vsistdin/ --target u,v -o m2.bin --epochs 20 --smooth 1 -q ||
        fail "fit /vsistdin/ failed"
    run ge info m2.bin
    expect_out 'EPSG:4326'
}

test_predict_at_vector_points_reprojects() {
    need ogr2ogr
    fixture_model
    write_geojson_3857 pts.geojson
    run ge predict field.bin pts.geojson -o viajson.csv
    expect_rc 0
    [ "$(csv_header viajson.csv)" = "lon,lat,u,v,x,y,u_pred,v_pred" ] || fail "header $(csv_header viajson.csv)"
    [ "$(csv_rows viajson.csv)" = 500 ] || fail "$(csv_rows viajson.csv) rows"
    run ge predict field.bin field.csv -o viacsv.csv
    expect_rc 0
    # same predictions from the Web Mercator points as from the lon/lat ones
    local worst
    worst=$(paste -d, <(cut -d, -f7,8 viajson.csv) <(cut -d, -f5,6 viacsv.csv) | awk -F, 'NR > 1 {
        d = $1 - $3; if (d < 0) d = -d; if (d > m) m = d
        d = $2 - $4; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.3g\n", m }')
    expect_num "$worst" "<" 1e-6
    run ge predict field.bin pts.geojson --where "lat > 0" -o north.csv
    expect_rc 0
    [ "$(csv_rows north.csv)" = 250 ] || fail "--where kept $(csv_rows north.csv) rows"
}

# GDAL is opened at its first use (include/geoembed/lazy_lib.h): a fit and a
# prediction on planar CSV files never load it (before, every run spent 70-110
# ms in the dynamic linker on its 130 libraries; a CRS, lon/lat's too, is
# GDAL's work); a GeoTIFF grid opens it and GDAL's warnings still reach the
# user; a GDAL that cannot be loaded is one line and exit 1, with no output
# left behind.
test_gdal_opened_only_when_used() {
    awk 'BEGIN { print "x,y,z"; for (i = 0; i < 20; i++) for (j = 0; j < 15; j++)
        printf "%d,%d,%.6f\n", 100 * i, 100 * j, sin(i / 4) + cos(j / 3) }' >f.csv
    LD_DEBUG=files ge fit f.csv -o m.bin --size 8,6 --smooth 1 -q 2>debug.txt || fail "fit: $(tail -3 debug.txt)"
    grep -q 'file=libgdal' debug.txt && fail "fit on a CSV file loaded GDAL"
    grep -q 'file=libcairo' debug.txt && fail "fit on a CSV file loaded cairo"
    LD_DEBUG=files ge predict m.bin f.csv -o p.csv 2>debug.txt || fail "predict: $(tail -3 debug.txt)"
    grep -q 'file=libgdal' debug.txt && fail "predict to CSV loaded GDAL"
    LD_DEBUG=files ge predict m.bin --grid g.tif --size 16,12 2>debug.txt || fail "predict --grid: $(tail -3 debug.txt)"
    local soname
    soname=$(grep -o 'file=libgdal[^ ]*' debug.txt | head -1 | cut -d= -f2)
    [ -n "$soname" ] || fail "predict --grid g.tif did not load GDAL"
    need gdalinfo
    gdalinfo -stats g.tif >info.txt 2>&1 || fail "gdalinfo: $(head -3 info.txt)"
    grep -q 'Size is 16, 12' info.txt || fail "grid: $(grep Size info.txt)"
    # GDAL's messages reach the user through the handler set when it opens
    run ge predict m.bin --grid w.tif --size 16,12 --co NO_SUCH_OPTION=1
    expect_rc 2
    expect_err '^geoembed: warning: .*NO_SUCH_OPTION'
    # a library that cannot be loaded: only the commands that need it fail
    mkdir broken
    echo 'not a shared library' >"broken/$soname"
    LD_LIBRARY_PATH=$PWD/broken run ge predict m.bin --grid b.tif --size 16,12
    expect_rc 1
    expect_error_line "^geoembed: cannot load GDAL \\($soname\\): .*"
    expect_no_file b.tif
    expect_no_tmp
    LD_LIBRARY_PATH=$PWD/broken run ge fit f.csv -o m2.bin --size 8,6 --smooth 1 -q
    expect_rc 0
    expect_same m.bin m2.bin
}
