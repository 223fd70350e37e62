# predict at points into OGR vector formats: by extension or --of, keeping
# geometry, attributes and CRS; CSV stays the default; no duplicate column
# names; written through a temporary file.
# shellcheck shell=bash

# The field and a model of it, quickly (the tests need its shape, not its accuracy).
quick_model() {
    fixture_field field.csv
    ge fit field.csv -o field.bin --epochs 20 --smooth 1 -q || fail "fit field.csv"
}

# Points as GeoJSON in EPSG:3857 with attributes id, name, x (a copy of the
# easting) and u_pred (as if predicted before).
write_points_3857() {
    write_points pts.csv 30
    awk -F, 'NR == 1 { print "id,name,lon,lat,x,u_pred"; next }
        { printf "%s,p%s,%s,%s,%s,-1\n", $1, $1, $2, $3, $2 }' pts.csv >attr.csv
    ogr2ogr -f GeoJSON -s_srs EPSG:4326 -t_srs EPSG:3857 -oo X_POSSIBLE_NAMES=lon \
        -oo Y_POSSIBLE_NAMES=lat -oo AUTODETECT_TYPE=YES "$1" attr.csv 2>/dev/null ||
        fail "ogr2ogr could not make $1"
}

test_predict_points_to_geopackage() {
    need ogrinfo
    quick_model
    write_points_3857 pts.geojson
    run ge predict field.bin pts.geojson -o out.gpkg
    expect_rc 0
    # the renamed column is said on stderr
    expect_err "predict: column 'u_pred' is written as 'u_pred_2'"
    expect_file out.gpkg
    expect_no_tmp
    head -c 16 out.gpkg | grep -q 'SQLite format 3' || fail "out.gpkg is not a GeoPackage"
    run ogrinfo -al -so out.gpkg
    expect_out 'Geometry: Point'
    expect_out 'Feature Count: 30'
    expect_out 'Pseudo-Mercator|EPSG","?3857'
    expect_out '^id: Integer'
    expect_out '^name: String'
    expect_out '^u_pred: Integer'
    expect_out '^u_pred_2: Real'
    expect_out '^v_pred: Real'
    # the same predictions as the CSV output, at the same (reprojected) points
    run ge predict field.bin pts.geojson -o out.csv
    expect_rc 0
    [ "$(csv_header out.csv)" = "id,name,lon,lat,x,u_pred,x_2,y,u_pred_2,v_pred" ] ||
        fail "CSV header $(csv_header out.csv)"
    local a b
    a=$(awk -F, 'NR == 4 { print $9 }' out.csv)
    b=$(ogrinfo -q -sql "SELECT u_pred_2 FROM out WHERE id = 2" out.gpkg | sed -n 's/.*u_pred_2 (Real) = //p')
    expect_close "$b" "$a" 1e-12
    # geometry kept: the same point as in the input
    a=$(ogrinfo -q -al -where "id = 0" pts.geojson | grep -o 'POINT (.*)')
    b=$(ogrinfo -q -al -where "id = 0" out.gpkg | grep -o 'POINT (.*)')
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "geometry not kept: '$a' became '$b'"
}

test_predict_points_format_by_of_and_extension() {
    need ogrinfo
    quick_model
    write_points pts.csv 20
    # a CSV in, GeoJSON out by extension: points in the model's CRS, the
    # coordinate columns as numbers
    run ge predict field.bin pts.csv -o out.geojson
    expect_rc 0
    python3 -c 'import json, sys
d = json.load(open("out.geojson"))
f = d["features"]
assert len(f) == 20, len(f)
assert f[0]["geometry"]["type"] == "Point"
p = f[0]["properties"]
assert set(p) == {"id", "lon", "lat", "u_pred", "v_pred"}, p
assert isinstance(p["u_pred"], float) and isinstance(p["lon"], float), p
assert abs(f[0]["geometry"]["coordinates"][0] - p["lon"]) < 1e-9' || fail "out.geojson: $(head -c 300 out.geojson)"
    # --of overrides the extension; a Shapefile's sidecars all arrive
    run ge predict field.bin pts.csv -o out.dat --of GeoJSON
    expect_rc 0
    grep -q FeatureCollection out.dat || fail "--of GeoJSON did not write GeoJSON"
    run ge predict field.bin pts.csv -o out.shp
    expect_rc 0
    local e
    for e in shp shx dbf prj; do expect_file "out.$e"; done
    expect_no_tmp
    # CSV stays the default: for standard output, .csv, and unknown extensions
    run ge predict field.bin pts.csv
    expect_rc 0
    expect_out '^id,lon,lat,u_pred,v_pred$'
    run ge predict field.bin pts.csv -o out.txt
    [ "$(csv_header out.txt)" = "id,lon,lat,u_pred,v_pred" ] || fail "out.txt $(csv_header out.txt)"
    run ge predict field.bin pts.csv -o out.tif
    expect_rc 2
    expect_error_line "'out\.tif' names a raster format"
    expect_no_file out.tif
    run ge predict field.bin pts.csv -o out.gpkg --of nope
    expect_rc 2
    expect_error_line "--of: 'nope' is not a GDAL vector driver"
    expect_no_file out.gpkg
    # a failed run leaves no output and no temporary file
    run ge predict field.bin pts.csv -o out.gpkg --where 'nope > 1'
    expect_rc 1
    expect_no_file out.gpkg
    expect_no_tmp
}

test_predict_csv_has_no_duplicate_columns() {
    quick_model
    printf 'lon,lat,u_pred,U_PRED\n10,20,1,2\n' >again.csv
    run ge predict field.bin again.csv -o out.csv
    expect_rc 0
    [ "$(csv_header out.csv)" = "lon,lat,u_pred,U_PRED_2,u_pred_3,v_pred" ] ||
        fail "header $(csv_header out.csv)"
    expect_err "column 'U_PRED' is written as 'U_PRED_2'"
}
