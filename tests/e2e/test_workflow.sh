# The GIS workflow (issue 12): grids that match an existing raster (--like,
# the source raster's grid, aligned and exact resolutions), filling the holes
# of a raster, output types and nodata, contours.
# shellcheck shell=bash

# A one-band GeoTIFF with an awkward grid: 37 x 23 pixels of 0.7 x 0.45 from
# (1000.3, 2029.9) in EPSG:32633 (written through a VRT: numbers kept exactly).
write_reference_tif() {
    cat >ref.vrt <<'VRT'
<VRTDataset rasterXSize="37" rasterYSize="23">
  <SRS>EPSG:32633</SRS>
  <GeoTransform>1000.3, 0.7, 0, 2029.9, 0, -0.45</GeoTransform>
  <VRTRasterBand dataType="Byte" band="1"/>
</VRTDataset>
VRT
    gdal_translate -q ref.vrt "$1" || fail "gdal_translate could not make $1"
}

# Samples x,y,z around the reference grid (planar, EPSG:32633 given on fit).
write_planar_samples() {
    awk 'BEGIN { print "x,y,z"
        for (i = 0; i < 30; i++) for (j = 0; j < 20; j++) {
            x = 995 + i * 1.5; y = 2015 + j; printf "%g,%g,%.9f\n", x, y, sin(x / 5) + y / 10 } }' >"$1"
}

# "[geotransform] [cols, rows]" of a raster, as gdalinfo -json reports them.
grid_of() {
    gdalinfo -json "$1" | json_get 'str(d["geoTransform"]) + " " + str(d["size"])'
}

test_like_matches_the_reference_grid() {
    need gdalinfo
    write_reference_tif ref.tif
    write_planar_samples s.csv
    ge fit s.csv -o m.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit failed"
    run ge predict m.bin --grid out.tif --like ref.tif
    expect_rc 0
    [ "$(grid_of out.tif)" = "$(grid_of ref.tif)" ] ||
        fail "--like: $(grid_of out.tif), the reference $(grid_of ref.tif)"
    [ "$(grid_of ref.tif)" = "[1000.3, 0.7, 0.0, 2029.9, 0.0, -0.45] [37, 23]" ] || fail "reference $(grid_of ref.tif)"
    gdalsrsinfo -o epsg out.tif | grep -q 32633 || fail "--like: CRS $(gdalsrsinfo -o epsg out.tif)"
    # a pixel holds the prediction at its centre
    printf 'x,y\n%s,%s\n' 1007.65 2024.725 >pt.csv
    run ge predict m.bin pt.csv
    local want got
    want=$(awk -F, 'NR == 2 { print $3 }' "$OUT")
    got=$(gdallocationinfo -valonly out.tif 10 11)
    expect_close "$got" "$want" 1e-6
    # a reference in another CRS: its grid and CRS, the model's field reprojected
    gdalwarp -q -t_srs EPSG:32634 ref.tif ref34.tif || fail "gdalwarp"
    run ge predict m.bin --grid out34.tif --like ref34.tif
    expect_rc 0
    [ "$(grid_of out34.tif)" = "$(grid_of ref34.tif)" ] || fail "--like EPSG:32634: $(grid_of out34.tif)"
    gdalsrsinfo -o epsg out34.tif | grep -q 32634 || fail "--like EPSG:32634: CRS"
    # the CSV grid takes the same grid
    run ge predict m.bin --grid g.csv --like ref.tif
    expect_rc 0
    [ "$(csv_rows g.csv)" = $((37 * 23)) ] || fail "CSV --like: $(csv_rows g.csv) rows"
    grep -Eq '^1000\.65,2029\.67(5|49|50)' g.csv || fail "CSV --like: first pixel $(sed -n 2p g.csv)"
}

test_like_refusals() {
    need gdalinfo
    write_reference_tif ref.tif
    write_planar_samples s.csv
    ge fit s.csv -o m.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit failed"
    local o
    for o in "--bbox 0,0,1,1" "--size 3,3" "--resolution 1,1" "--dst-crs EPSG:4326"; do
        # shellcheck disable=SC2086
        run ge predict m.bin --grid out.tif --like ref.tif $o
        expect_rc 2
        expect_error_line "${o%% *} cannot be combined with --like"
    done
    run ge predict m.bin --grid out.tif --like missing.tif
    expect_rc 1
    expect_error_line '^geoembed: missing\.tif: expected a raster'
    printf 'not a raster\n' >bad.tif
    run ge predict m.bin --grid out.tif --like bad.tif
    expect_rc 1
    expect_error_line '^geoembed: bad\.tif: expected a raster'
    # a model without a CRS cannot be placed on a georeferenced grid
    ge fit s.csv -o planar.bin --smooth 1 -q 2>/dev/null || fail "fit planar"
    run ge predict planar.bin --grid out.tif --like ref.tif
    expect_rc 1
    expect_error_line 'ref\.tif: the raster has a CRS, the model has none'
    run ge predict m.bin s.csv --like ref.tif
    expect_rc 2
    expect_error_line '--like applies to --grid'
    expect_no_file out.tif
}

test_raster_model_predicts_on_its_raster_grid() {
    need gdalinfo
    write_reference_tif ref.tif
    # a Float32 raster on the reference grid to fit from
    gdal_translate -q -ot Float32 ref.tif src.tif || fail "gdal_translate"
    run ge fit src.tif -o m.bin --smooth 1
    expect_rc 0
    run ge info m.bin --json
    [ "$(json_get 'd["source_grid"]' <"$OUT")" = '{"geotransform": [1000.3, 0.7, 0, 2029.9, 0, -0.45], "size": [37, 23]}' ] ||
        fail "info: $(json_get 'd["source_grid"]' <"$OUT")"
    run ge info m.bin
    expect_out 'pixels: +37 x 23 pixels of 0\.7 x 0\.45'
    run ge predict m.bin --grid out.tif
    expect_rc 0
    [ "$(grid_of out.tif)" = "$(grid_of ref.tif)" ] || fail "default grid $(grid_of out.tif)"
    # --bbox alone keeps the raster's pixel size
    run ge predict m.bin --grid b.tif --bbox 1000.3,2020,1014.3,2029.9
    expect_rc 0
    [ "$(grid_of b.tif)" = "[1000.3, 0.7, 0.0, 2029.9, 0.0, -0.45] [20, 22]" ] || fail "--bbox: $(grid_of b.tif)"
    # a model from samples has no source grid
    write_planar_samples s.csv
    ge fit s.csv -o p.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit"
    run ge info p.bin --json
    [ "$(json_get 'd["source_grid"]' <"$OUT")" = None ] || fail "CSV model source_grid"
    # reprojected at fit time (--crs): the raster's grid is not the model's
    ge fit src.tif -o r.bin --crs EPSG:32634 --smooth 1 -q || fail "fit --crs"
    run ge info r.bin --json
    [ "$(json_get 'd["source_grid"]' <"$OUT")" = None ] || fail "--crs model source_grid"
}

test_target_aligned_pixels_and_exact_resolution() {
    need gdalinfo
    write_planar_samples s.csv
    ge fit s.csv -o m.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit failed"
    local box=1000.3,2015.2,1010.1,2020.05
    # as gdalwarp -tap: the extent goes out to multiples of the resolution
    run ge predict m.bin --grid tap.tif --bbox $box --resolution 2,2 --target-aligned-pixels
    expect_rc 0
    [ "$(grid_of tap.tif)" = "[1000.0, 2.0, 0.0, 2022.0, 0.0, -2.0] [6, 4]" ] || fail "--tap: $(grid_of tap.tif)"
    ge predict m.bin --grid tap2.tif --bbox $box -tr 2 2 -tap -q || fail "-tap"
    [ "$(grid_of tap2.tif)" = "$(grid_of tap.tif)" ] || fail "-tap: $(grid_of tap2.tif)"
    # exact: the pixel size kept, the extent grown from its top-left corner
    run ge predict m.bin --grid ex.tif --bbox $box --resolution 2,2 --exact-resolution
    expect_rc 0
    [ "$(grid_of ex.tif)" = "[1000.3, 2.0, 0.0, 2020.05, 0.0, -2.0] [5, 3]" ] || fail "exact: $(grid_of ex.tif)"
    # a whole number of pixels is not grown
    run ge predict m.bin --grid w.tif --bbox 1000,2016,1010,2020 --resolution 2,2 --exact-resolution
    [ "$(grid_of w.tif)" = "[1000.0, 2.0, 0.0, 2020.0, 0.0, -2.0] [5, 2]" ] || fail "exact whole: $(grid_of w.tif)"
    # the default: the pixel count rounded, the pixels fill the extent
    run ge predict m.bin --grid r.tif --bbox 1000,2016,1010.2,2020 --resolution 2,2
    expect_rc 0
    [ "$(json_get 'd["size"]' < <(gdalinfo -json r.tif))" = "[5, 2]" ] || fail "rounded size"
    run ge predict m.bin --grid t.tif --tap
    expect_rc 2
    expect_error_line '--target-aligned-pixels needs --resolution'
    run ge predict m.bin --grid t.tif --exact-resolution --size 3,3
    expect_rc 2
    expect_error_line '--exact-resolution needs --resolution'
}

# Files of format version 3 (before the source grid) still load and predict
# the same: the version-4 file of a CSV fit with its grid section removed.
test_model_file_version_3_still_loads() {
    need python3
    write_planar_samples s.csv
    ge fit s.csv -o m.bin --smooth 1 -q 2>/dev/null || fail "fit failed"
    python3 - m.bin v3.bin <<'PY' || fail "could not write a version 3 file"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"GEOEMBED" and struct.unpack("<I", b[8:12])[0] == 4
zlen = struct.unpack("<Q", b[24:32])[0]
p = zlib.decompress(b[32:32 + zlen])
assert p[-4:] == b"\0\0\0\0"  # no grid
p = p[:-4]
z = zlib.compress(p)
h = b[:8] + struct.pack("<IIQQ", 3, 0, len(p), len(z))
body = h + z
open(sys.argv[2], "wb").write(body + struct.pack("<I", zlib.crc32(body) & 0xffffffff))
PY
    run ge predict v3.bin --grid old.csv
    expect_rc 0
    ge predict m.bin --grid new.csv -q || fail "predict"
    expect_same old.csv new.csv
    run ge info v3.bin --json
    [ "$(json_get '[d["format_version"], d["source_grid"]]' <"$OUT")" = '[3, null]' ] ||
        fail "info: $(json_get '[d["format_version"], d["source_grid"]]' <"$OUT")"
}

# A raster with holes for fill: NX x NY pixels of 10 m from (500000, 4000000)
# in EPSG:32633, data type TYPE, nodata ND; the value at column c, row r is
# EXPR (awk, of c and r); pixels where HOLE (awk, of c and r) holds are
# nodata. write_holes FILE TYPE ND EXPR HOLE [NX NY]
write_holes() {
    local nx=${6:-40} ny=${7:-30}
    awk -v nx="$nx" -v ny="$ny" -v nd="$3" 'BEGIN {
        print "ncols " nx; print "nrows " ny; print "xllcorner 500000"; print "yllcorner 4000000"
        print "cellsize 10"; print "NODATA_value " nd
        for (r = 0; r < ny; r++) { line = ""
            for (c = 0; c < nx; c++) {
                v = ('"$4"'); if ('"$5"') v = nd
                line = line sprintf("%s%.6f", c ? " " : "", v) }
            print line } }' >holes.asc
    gdal_translate -q -ot "$2" -a_srs EPSG:32633 -a_nodata "$3" -mo SURVEY=test holes.asc "$1" ||
        fail "gdal_translate could not make $1"
}

# Raw pixel bytes of every band (ENVI, band sequential) for byte comparisons.
raw_of() {
    gdal_translate -q -of ENVI "$1" "$2" || fail "gdal_translate -of ENVI $1"
}

# Compares the raw dumps IN and OUT (pixel size BYTES, nodata bytes of IN):
# prints "changed_valid filled_holes left_holes".
compare_raw() {
    python3 - "$@" <<'PY'
import sys
a = open(sys.argv[1], "rb").read(); b = open(sys.argv[2], "rb").read(); n = int(sys.argv[3])
nd = bytes.fromhex(sys.argv[4])
assert len(a) == len(b), (len(a), len(b))
changed = filled = left = 0
for i in range(0, len(a), n):
    pa, pb = a[i:i + n], b[i:i + n]
    if pa != nd:
        changed += pa != pb
    elif pb != nd:
        filled += 1
    else:
        left += 1
print(changed, filled, left)
PY
}

test_fill_keeps_valid_pixels_byte_for_byte() {
    need gdalinfo
    need python3
    # a smooth surface (a plane plus a bump) with a 6 x 5 hole and a few single holes
    write_holes in.tif Float32 -9999 '1000 + 0.5 * c - 0.25 * r + 20 * exp(-((c - 20)^2 + (r - 15)^2) / 60)' \
        '(c >= 10 && c <= 15 && r >= 8 && r <= 12) || (c == 30 && r == 3) || (c == 2 && r == 27)'
    run ge fill in.tif -o out.tif
    expect_rc 0
    expect_err 'fill: band 1: filled 32 of 32 empty pixels'
    expect_no_tmp
    raw_of in.tif in.raw
    raw_of out.tif out.raw
    # -9999 as a little-endian float32
    local cmp
    cmp=$(compare_raw in.raw out.raw 4 "$(python3 -c 'import struct; print(struct.pack("<f", -9999).hex())')")
    [ "$cmp" = "0 32 0" ] || fail "changed valid, filled, left: $cmp"
    # the same type, grid, CRS, nodata, metadata
    run gdalinfo -json out.tif
    local info=$OUT
    [ "$(json_get '[d["bands"][0]["type"], d["bands"][0]["noDataValue"], d["size"]]' <"$info")" = '["Float32", -9999.0, [40, 30]]' ] ||
        fail "band: $(json_get '[d["bands"][0]["type"], d["bands"][0]["noDataValue"], d["size"]]' <"$info")"
    [ "$(json_get 'd["geoTransform"]' <"$info")" = "[500000.0, 10.0, 0.0, 4000300.0, 0.0, -10.0]" ] || fail "geotransform"
    [ "$(json_get 'd["metadata"][""]["SURVEY"]' <"$info")" = test ] || fail "metadata not kept"
    gdalsrsinfo -o epsg out.tif | grep -q 32633 || fail "CRS not kept"
    # the filled values follow the surface: the hole's centre (column 12, row 10)
    local got want
    got=$(gdallocationinfo -valonly out.tif 12 10)
    want=$(awk 'BEGIN { c = 12; r = 10; printf "%.6f", 1000 + 0.5 * c - 0.25 * r + 20 * exp(-((c - 20)^2 + (r - 15)^2) / 60) }')
    expect_close "$got" "$want" 2e-4
}

test_fill_integer_types_round_and_clamp() {
    need gdalinfo
    need python3
    # Byte: a ramp 5..245 along x, holes past column 24 and one inside
    write_holes in.tif Byte 0 '5 + 10 * c' 'c >= 25 || (c == 7 && r == 7)' 30 10
    run ge fill in.tif -o out.tif --max-distance none
    expect_rc 0
    expect_no_err 'warning'
    raw_of in.tif in.raw
    raw_of out.tif out.raw
    [ "$(compare_raw in.raw out.raw 1 00)" = "0 51 0" ] || fail "Byte: $(compare_raw in.raw out.raw 1 00)"
    [ "$(gdallocationinfo -valonly out.tif 7 7)" = 75 ] || fail "rounded pixel: $(gdallocationinfo -valonly out.tif 7 7)"
    [ "$(gdalinfo -json out.tif | json_get 'd["bands"][0]["type"]')" = Byte ] || fail "type"
    # a peak of 280 in a hole, measured only where it is below 255: clamped, and said
    write_holes pk.tif Byte 0 '(280 - 1.5 * ((c-15)^2 + (r-10)^2) < 1 ? 1 : 280 - 1.5 * ((c-15)^2 + (r-10)^2))' \
        '(c-15)^2 + (r-10)^2 < 36' 30 20
    run ge fill pk.tif -o pko.tif
    expect_rc 0
    expect_err "warning: band 1: [0-9]+ predictions outside the range of Byte were clamped into it"
    [ "$(gdallocationinfo -valonly pko.tif 15 10)" = 255 ] || fail "clamped pixel: $(gdallocationinfo -valonly pko.tif 15 10)"
    # Int16 with nodata -32768
    write_holes i16.tif Int16 -32768 '-300 + 3 * c + 2 * r' '(c - 20)^2 + (r - 15)^2 < 16'
    run ge fill i16.tif -o f16.tif
    expect_rc 0
    raw_of i16.tif i16.raw
    raw_of f16.tif f16.raw
    [ "$(compare_raw i16.raw f16.raw 2 0080)" = "0 45 0" ] || fail "Int16: $(compare_raw i16.raw f16.raw 2 0080)"
    [ "$(gdallocationinfo -valonly f16.tif 20 15)" = $((-300 + 60 + 30)) ] || fail "Int16 centre: $(gdallocationinfo -valonly f16.tif 20 15)"
}

test_fill_max_distance_and_bands() {
    need gdalinfo
    need python3
    # a 20-pixel-wide gap: only the pixels within 3 of a valid pixel are filled
    write_holes in.tif Float32 -9999 '100 + c + r' 'c >= 10 && c < 30'
    run ge fill in.tif -o out.tif --max-distance 3
    expect_rc 0
    expect_err 'filled [0-9]+ of 600 empty pixels \([0-9]+ farther than 3 pixels from a valid pixel left empty\)'
    [ "$(gdallocationinfo -valonly out.tif 20 10)" = -9999 ] || fail "middle of the gap filled: $(gdallocationinfo -valonly out.tif 20 10)"
    local v
    v=$(gdallocationinfo -valonly out.tif 10 10)
    expect_close "$v" 120 0.01
    # two bands, --band 2: band 1 copied with its holes
    gdal_translate -q -b 1 -b 1 out.tif two.tif || fail "two bands"
    gdal_translate -q -b 1 -b 1 in.tif two_in.tif || fail "two bands"
    run ge fill two_in.tif -o two_out.tif --band 2 --max-distance none
    expect_rc 0
    expect_err 'band 2: filled 600 of 600'
    expect_no_err 'band 1'
    [ "$(gdallocationinfo -valonly -b 1 two_out.tif 20 10)" = -9999 ] || fail "band 1 was filled"
    v=$(gdallocationinfo -valonly -b 2 two_out.tif 20 10)
    expect_close "$v" 130 0.01
    # a band without holes is copied as it is, without a model
    run ge fill two_out.tif -o again.tif --band 2
    expect_rc 0
    expect_err 'band 2: no empty pixels; copied'
    raw_of two_out.tif a.raw
    raw_of again.tif b.raw
    cmp -s a.raw b.raw || fail "a band without holes changed"
}

# A Byte band V and its validity A (0: a hole, 255 valid, 128 half
# transparent), 40 x 30 pixels of 10 m in EPSG:32633, in an alpha band
# (alpha.tif) and in a mask band (mask.tif): value 60 + 2c + r; a 6 x 5 hole,
# a 20-pixel-wide gap at columns 20-39 of rows 0-2 (its far end beyond
# --max-distance 3), and a half-transparent pixel at (5, 5).
write_masked() {
    awk 'BEGIN { for (k = 0; k < 2; k++) {
        f = k ? "a.asc" : "v.asc"
        print "ncols 40\nnrows 30\nxllcorner 500000\nyllcorner 4000000\ncellsize 10" >f
        for (r = 0; r < 30; r++) { line = ""
            for (c = 0; c < 40; c++) {
                hole = (c >= 10 && c <= 15 && r >= 8 && r <= 12) || (c >= 20 && r <= 2)
                a = hole ? 0 : (c == 5 && r == 5 ? 128 : 255)
                line = line sprintf("%s%d", c ? " " : "", k ? a : (hole ? 7 : 60 + 2 * c + r)) }
            print line >f } } }'
    gdalbuildvrt -q -separate va.vrt v.asc a.asc || fail "gdalbuildvrt"
    gdal_translate -q -ot Byte -a_srs EPSG:32633 -colorinterp_2 alpha va.vrt alpha.tif ||
        fail "gdal_translate alpha.tif"
    gdal_translate -q -ot Byte -a_srs EPSG:32633 -b 1 -mask 2 va.vrt mask.tif ||
        fail "gdal_translate mask.tif"
    gdalinfo alpha.tif | grep -q 'Mask Flags: PER_DATASET ALPHA' || fail "alpha.tif has no alpha mask"
    gdalinfo mask.tif | grep -q 'Mask Flags: PER_DATASET $' || fail "mask.tif has no mask band"
}

# compare_masked IN_VALUES IN_MASK OUT_VALUES OUT_MASK: Byte dumps; prints
# "changed_valid filled left", where a pixel is valid when its mask is not 0
# (changed: its value, or it is no longer valid), filled when the output's
# mask is 255 and left when it stays 0 with the input's bytes.
compare_masked() {
    python3 - "$@" <<'PY'
import sys
v, m, ov, om = (open(f, "rb").read() for f in sys.argv[1:5])
assert len(v) == len(m) == len(ov) == len(om), [len(x) for x in (v, m, ov, om)]
changed = filled = left = 0
for i in range(len(v)):
    if m[i]:
        changed += v[i] != ov[i] or om[i] == 0
    elif om[i] == 255:
        filled += 1
    elif om[i] == 0 and ov[i] == v[i]:
        left += 1
print(changed, filled, left)
PY
}

# fill treats an alpha band or a mask band as gdal_fillnodata treats its
# mask: the holes to fill; valid pixels (half transparent ones too) keep
# their bytes, the mask becomes valid where a value was written.
test_fill_mask_and_alpha_bands() {
    need gdalinfo
    need python3
    write_masked
    local f
    for f in alpha mask; do
        run ge fill "$f.tif" -o "${f}_out.tif" --max-distance 3
        expect_rc 0
        # 30 + 60 holes, the gap's pixels beyond 3 pixels of a valid one left
        expect_err "fill: band 1: filled [0-9]+ of 90 empty pixels \([0-9]+ farther than 3 pixels"
        grep -q 'band 2' "$ERR" && fail "$f: the alpha band was filled as a band: $(err1)"
        expect_no_tmp
    done
    # the alpha: band 2 of the dumps; the mask band: gdal_translate -b mask
    gdal_translate -q -of ENVI -b 1 alpha.tif av.raw && gdal_translate -q -of ENVI -b 2 alpha.tif am.raw &&
        gdal_translate -q -of ENVI -b 1 alpha_out.tif aov.raw && gdal_translate -q -of ENVI -b 2 alpha_out.tif aom.raw &&
        gdal_translate -q -of ENVI -b 1 mask.tif mv.raw && gdal_translate -q -of ENVI -b mask mask.tif mm.raw &&
        gdal_translate -q -of ENVI -b 1 mask_out.tif mov.raw && gdal_translate -q -of ENVI -b mask mask_out.tif mom.raw ||
        fail "gdal_translate -of ENVI"
    local a m
    a=$(compare_masked av.raw am.raw aov.raw aom.raw)
    m=$(compare_masked mv.raw mm.raw mov.raw mom.raw)
    # every hole either filled (opaque) or left (transparent, unchanged), the
    # same in both
    [ "$a" = "$m" ] || fail "alpha: $a, mask band: $m"
    local changed filled left
    read -r changed filled left <<<"$a"
    [ "$changed" = 0 ] || fail "$changed valid pixels changed"
    expect_num "$filled" '>=' 30
    expect_num "$left" '>=' 10
    [ "$((filled + left))" = 90 ] || fail "filled $filled + left $left, expected 90 holes"
    # the half-transparent pixel is valid, its alpha kept (a mask band holds
    # validity only: 1 bit in a GeoTIFF); the filled values follow the
    # surface (60 + 2c + r at the hole's centre, column 12, row 10)
    [ "$(gdallocationinfo -valonly -b 2 alpha_out.tif 5 5)" = 128 ] || fail "half-transparent alpha changed"
    local v
    for f in alpha_out mask_out; do
        v=$(gdallocationinfo -valonly -b 1 "$f.tif" 12 10)
        expect_num "$v" '>=' 93
        expect_num "$v" '<=' 95
    done
    # the same structure: an alpha band, a mask band inside the GeoTIFF
    gdalinfo alpha_out.tif | grep -q 'ColorInterp=Alpha' || fail "alpha_out.tif: no alpha band"
    gdalinfo alpha_out.tif | grep -q 'Mask Flags: PER_DATASET ALPHA' || fail "alpha_out.tif: no alpha mask"
    gdalinfo mask_out.tif | grep -q 'Mask Flags: PER_DATASET $' || fail "mask_out.tif: no mask band"
    expect_no_file mask_out.tif.msk
    # the alpha is the mask, not a band to fill; bands under one mask are
    # filled together; a mask band needs a format that holds it
    run ge fill alpha.tif -o x.tif --band 2
    expect_rc 2
    expect_error_line '--band 2: band 2 of alpha\.tif is its alpha band'
    gdal_translate -q -b 1 -b 1 -mask 2 va.vrt two.tif || fail "gdal_translate two.tif"
    run ge fill two.tif -o x.tif --band 1
    expect_rc 2
    expect_error_line '--band: the bands of two\.tif share one mask band'
    run ge fill mask.tif -o x.img
    expect_rc 2
    expect_error_line 'mask\.tif: the holes are marked by a mask band, which a HFA output cannot hold'
    expect_no_file x.tif
    expect_no_file x.img
}

test_fill_refusals() {
    need gdal_translate
    write_holes in.tif Float32 -9999 'c + r' 'c == 3 && r == 3'
    run ge fill in.tif -o in.tif
    expect_rc 2
    expect_error_line 'refusing to overwrite an input'
    run ge fill in.tif
    expect_rc 2
    expect_error_line 'missing -o OUTPUT'
    printf 'x,y,z\n1,2,3\n' >s.csv
    run ge fill s.csv -o out.tif
    expect_rc 1
    expect_error_line '^geoembed: s\.csv: expected a raster to fill'
    run ge fill in.tif -o out.tif --band 2
    expect_rc 1
    expect_error_line 'in\.tif: no band 2 \(the raster has 1\)'
    run ge fill in.tif -o out.tif --max-distance -1
    expect_rc 2
    expect_error_line '--max-distance'
    expect_no_file out.tif
    # a band named twice was filled once without a word
    run ge fill in.tif -o out.tif --band 1,1
    expect_rc 2
    expect_error_line "fill: --band 1 is given twice in '1,1'"
    expect_no_file out.tif
}

# Samples x,y,z with z = 10 (x - 1000): -50..390 over the planar area.
write_ramp_samples() {
    awk 'BEGIN { print "x,y,z"
        for (i = 0; i < 30; i++) for (j = 0; j < 20; j++) {
            x = 995 + i * 1.5; y = 2015 + j; printf "%g,%g,%g\n", x, y, 10 * (x - 1000) } }' >"$1"
}

test_grid_output_type_and_nodata() {
    need gdalinfo
    write_ramp_samples s.csv
    ge fit s.csv -o m.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit failed"
    # Int16: rounded values, the nodata value where the model is empty
    run ge predict m.bin --grid i16.tif --ot Int16 --nodata -32768 --bbox 995,2015,1100,2035 --resolution 1,1
    expect_rc 0
    expect_no_err 'warning'
    run gdalinfo -json i16.tif
    [ "$(json_get '[d["bands"][0]["type"], d["bands"][0]["noDataValue"]]' <"$OUT")" = '["Int16", -32768.0]' ] ||
        fail "Int16: $(json_get '[d["bands"][0]["type"], d["bands"][0]["noDataValue"]]' <"$OUT")"
    # a pixel far from the samples is the nodata value; one near them the ramp, rounded
    [ "$(gdallocationinfo -valonly -geoloc i16.tif 1099.5 2025.5)" = -32768 ] || fail "empty pixel"
    printf 'x,y\n1010.5,2025.5\n' >pt.csv
    local want
    want=$(ge predict m.bin pt.csv | awk -F, 'NR == 2 { printf "%.0f", $3 }')
    [ "$(gdallocationinfo -valonly -geoloc i16.tif 1010.5 2025.5)" = "$want" ] ||
        fail "Int16 pixel $(gdallocationinfo -valonly -geoloc i16.tif 1010.5 2025.5), expected $want"
    # Byte: values below 0 and above 255 are clamped, and counted on stderr
    run ge predict m.bin --grid b.tif --ot Byte --nodata 0 --max-distance none
    expect_rc 0
    expect_err '^geoembed: predict: warning: [0-9]+ values outside the range of Byte were clamped into it'
    gdalinfo -stats b.tif >/dev/null 2>&1
    [ "$(gdalinfo -json -stats b.tif | json_get '[d["bands"][0]["minimum"], d["bands"][0]["maximum"]]')" = "[1.0, 255.0]" ] ||
        fail "Byte range: $(gdalinfo -json -stats b.tif | json_get '[d["bands"][0]["minimum"], d["bands"][0]["maximum"]]')"
    expect_err 'values equal to --nodata were moved one step off it'
    # Float64 with a numeric nodata; the default stays Float32 with NaN
    run ge predict m.bin --grid f.tif --ot Float64 --nodata -9999
    expect_rc 0
    [ "$(gdalinfo -json f.tif | json_get '[d["bands"][0]["type"], d["bands"][0]["noDataValue"]]')" = '["Float64", -9999.0]' ] ||
        fail "Float64"
    run ge predict m.bin --grid d.tif
    [ "$(gdalinfo -json d.tif | json_get '[d["bands"][0]["type"], str(d["bands"][0]["noDataValue"])]')" = '["Float32", "NaN"]' ] ||
        fail "default: $(gdalinfo -json d.tif | json_get '[d["bands"][0]["type"], str(d["bands"][0]["noDataValue"])]')"
    # refusals: a type that cannot hold NaN needs --nodata; the value must fit
    run ge predict m.bin --grid x.tif --ot UInt16
    expect_rc 2
    expect_error_line '--ot UInt16 cannot hold NaN.*give --nodata VALUE'
    run ge predict m.bin --grid x.tif --ot Byte --nodata 256
    expect_rc 2
    expect_error_line '--nodata expects a value that Byte holds exactly'
    run ge predict m.bin --grid x.tif --ot Int16 --nodata nan
    expect_rc 2
    expect_error_line '--nodata nan does not fit --ot Int16'
    run ge predict m.bin --grid x.tif --ot CFloat32
    expect_rc 2
    expect_error_line '--ot expects a real GDAL data type'
    run ge predict m.bin --grid x.csv --ot Int16 --nodata 0
    expect_rc 2
    expect_error_line '--ot applies to raster grids, not to a CSV grid'
    expect_no_file x.tif
}

test_outputs_never_overwrite_inputs() {
    need gdalinfo
    write_reference_tif ref.tif
    write_planar_samples s.csv
    ge fit s.csv -o m.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit failed"
    cp ref.tif keep.tif
    run ge predict m.bin --grid ref.tif --like ref.tif
    expect_rc 2
    expect_error_line 'refusing to overwrite an input'
    cmp -s ref.tif keep.tif || fail "the --like raster was changed"
    ln -s ref.tif link.tif
    run ge predict m.bin --grid link.tif --like ref.tif
    expect_rc 2
    expect_error_line 'refusing to overwrite an input'
    cp m.bin keep.bin
    run ge predict m.bin --grid m.bin
    expect_rc 2
    expect_error_line 'refusing to overwrite an input'
    cmp -s m.bin keep.bin || fail "the model was changed"
    # an existing output that is not an input is replaced, as gdal_translate does
    run ge predict m.bin --grid out.tif --like ref.tif
    expect_rc 0
    run ge predict m.bin --grid out.tif --size 3,2
    expect_rc 0
    [ "$(gdalinfo -json out.tif | json_get 'd["size"]')" = "[3, 2]" ] || fail "not replaced"
}

test_contours_of_the_grid() {
    need ogrinfo
    write_ramp_samples s.csv
    ge fit s.csv -o m.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit failed"
    # z = 10 (x - 1000): the line of level L runs north-south at x = 1000 + L / 10;
    # east of x = 1070 the grid is empty (NaN), and no line is drawn there
    run ge predict m.bin --grid c.tif --contours 50 --contours-out c.gpkg --bbox 990,2010,1100,2040 --resolution 0.5,0.5
    expect_rc 0
    expect_err 'wrote 10 contour lines every 50 of z to c\.gpkg'
    expect_file c.tif
    run ogrinfo -q -sql "SELECT z, count(*) AS n, min(ST_MinX(geom)) AS x0, max(ST_MaxX(geom)) AS x1, min(ST_MinY(geom)) AS y0, max(ST_MaxY(geom)) AS y1 FROM c GROUP BY z ORDER BY z" c.gpkg
    expect_rc 0
    local got
    got=$(awk -F' = ' '/ = / { v[++n] = $2 } END {
        for (i = 1; i <= n; i += 6) {
            want = 1000 + v[i] / 10
            ok = v[i + 1] == 1 && v[i + 2] > want - 0.01 && v[i + 3] < want + 0.01 && v[i + 4] == 2010 && v[i + 5] == 2040
            printf "%s%s", v[i], ok ? " " : "(bad) " } }' "$OUT")
    [ "$got" = "-50 0 50 100 150 200 250 300 350 400 " ] || fail "contour levels: $got"
    gdalsrsinfo -o epsg c.gpkg | grep -q 32633 || fail "contours: CRS"
    # GeoJSON, and contours of an integer grid with a nodata value
    run ge predict m.bin --grid i.tif --ot Int16 --nodata -32768 --contours 100 --contours-out c.geojson
    expect_rc 0
    python3 -c 'import json
d = json.load(open("c.geojson"))
levels = sorted({f["properties"]["z"] for f in d["features"]})
assert {0, 100, 200, 300} <= set(levels) and len(levels) == len(d["features"]), levels
for f in d["features"]:
    assert f["geometry"]["type"] == "LineString"
    want = 1000 + f["properties"]["z"] / 10
    assert all(abs(x - want) < 0.2 for x, y in f["geometry"]["coordinates"]), f' || fail "c.geojson: $(head -c 300 c.geojson)"
}

test_contours_refusals() {
    write_ramp_samples s.csv
    ge fit s.csv -o m.bin --smooth 1 -q 2>/dev/null || fail "fit failed"
    run ge predict m.bin --grid c.tif --contours 50
    expect_rc 2
    expect_error_line '--contours needs --contours-out FILE'
    run ge predict m.bin --grid c.tif --contours-out c.gpkg
    expect_rc 2
    expect_error_line '--contours-out needs --contours INTERVAL'
    run ge predict m.bin --grid c.tif --contours 0 --contours-out c.gpkg
    expect_rc 2
    expect_error_line '--contours expects a number'
    run ge predict m.bin --grid c.csv --contours 50 --contours-out c.gpkg
    expect_rc 2
    expect_error_line '--contours needs a raster --grid'
    run ge predict m.bin --grid c.tif --contours 50 --contours-out c.tif
    expect_rc 2
    expect_error_line '--contours-out must name another file than --grid'
    run ge predict m.bin --grid c.tif --contours 50 --contours-out c.xyz
    expect_rc 2
    expect_error_line "--contours-out: 'c\.xyz' does not name a vector format"
    awk -F, -v OFS=, 'NR == 1 { print $0, "w"; next } { print $0, -$3 }' s.csv >s2.csv
    ge fit s2.csv -o m2.bin --smooth 1 -q 2>/dev/null || fail "fit two targets"
    run ge predict m2.bin --grid c.tif --contours 50 --contours-out c.gpkg
    expect_rc 2
    expect_error_line '--contours needs a model of one target; this one has 2'
    run ge predict m.bin s.csv --contours 50 --contours-out c.gpkg
    expect_rc 2
    expect_error_line 'applies to --grid'
    expect_no_file c.tif
    expect_no_file c.gpkg
}

test_grid_as_geopackage_raster() {
    need gdalinfo
    write_planar_samples s.csv
    ge fit s.csv -o m.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit failed"
    run ge predict m.bin --grid g.gpkg --of GPKG --nodata -9999 --bbox 1000,2015,1040,2035 --resolution 1,1
    expect_rc 0
    run gdalinfo -json g.gpkg
    [ "$(json_get '[d["driverShortName"], d["size"], d["geoTransform"], d["bands"][0]["type"], d["bands"][0]["noDataValue"]]' <"$OUT")" = \
        '["GPKG", [40, 20], [1000.0, 1.0, 0.0, 2035.0, 0.0, -1.0], "Float32", -9999.0]' ] ||
        fail "g.gpkg: $(json_get '[d["driverShortName"], d["size"], d["geoTransform"], d["bands"][0]["type"], d["bands"][0]["noDataValue"]]' <"$OUT")"
    printf 'x,y\n1010.5,2025.5\n' >pt.csv
    local want got
    want=$(ge predict m.bin pt.csv | awk -F, 'NR == 2 { print $3 }')
    got=$(gdallocationinfo -valonly -geoloc g.gpkg 1010.5 2025.5)
    expect_close "$got" "$want" 1e-5
    # by extension; GeoPackage cannot record a NaN nodata value: refused
    # (before, GDAL's warning and exit 0 with the empty cells unmarked)
    run ge predict m.bin --grid n.gpkg
    expect_rc 2
    expect_error_line 'GeoPackage raster cannot record NaN'
    expect_no_file n.gpkg
    # several Float32 bands are beyond GeoPackage: GDAL's reason, no file
    awk -F, -v OFS=, 'NR == 1 { print $0, "w"; next } { print $0, -$3 }' s.csv >s2.csv
    ge fit s2.csv -o m2.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit two targets"
    run ge predict m2.bin --grid two.gpkg --nodata -9999
    expect_rc 1
    expect_error_line 'two\.gpkg: cannot create GPKG raster: .*single band'
    expect_no_file two.gpkg
    expect_no_tmp
}

test_points_to_flatgeobuf() {
    need ogrinfo
    write_planar_samples s.csv
    ge fit s.csv -o m.bin --src-crs EPSG:32633 --smooth 1 -q || fail "fit failed"
    printf 'id,x,y\n1,1010.5,2025.5\n2,1000,2020\n' >pt.csv
    run ge predict m.bin pt.csv -o p.fgb
    expect_rc 0
    run ge predict m.bin pt.csv
    local want got
    want=$(awk -F, 'NR == 3 { print $4 }' "$OUT")
    run ogrinfo -al p.fgb
    expect_rc 0
    expect_out 'Feature Count: 2'
    expect_out 'POINT \(1000 2020\)'
    got=$(awk '/OGRFeature\(p\):1/ { f = 1 } f && /z_pred \(Real\) = / { print $4; exit }' "$OUT")
    expect_close "$got" "$want" 1e-12
    gdalsrsinfo -o epsg p.fgb | grep -q 32633 || fail "p.fgb: CRS"
}

# fit A B C: a CSV, a GeoJSON in another CRS and a raster merged into one set.
test_fit_merges_several_inputs() {
    need ogr2ogr
    need gdal_translate
    write_planar_samples s.csv
    awk 'NR == 1 || NR % 2 == 0' s.csv >a.csv
    awk 'NR > 1 && NR % 2 == 1' s.csv | sed '1i x,y,z' >b.csv
    ogr2ogr -f GeoJSON -s_srs EPSG:32633 -t_srs EPSG:4326 -oo X_POSSIBLE_NAMES=x -oo Y_POSSIBLE_NAMES=y \
        -oo AUTODETECT_TYPE=YES -lco COORDINATE_PRECISION=15 b.geojson b.csv 2>/dev/null || fail "ogr2ogr"
    # a raster of the same field east of the points, its band named z
    awk 'BEGIN { print "ncols 10"; print "nrows 20"; print "xllcorner 1040"; print "yllcorner 2015"
        print "cellsize 1"
        for (r = 0; r < 20; r++) { l = ""; for (c = 0; c < 10; c++) {
            x = 1040.5 + c; y = 2034.5 - r; l = l sprintf(" %.9f", sin(x / 5) + y / 10) } print l } }' >c.asc
    gdal_translate -q -of VRT c.asc c0.vrt || fail "vrt"
    sed 's|<VRTRasterBand \(.*\)band="1"\(.*\)>|&<Description>z</Description>|' c0.vrt >c.vrt
    gdal_translate -q -a_srs EPSG:32633 c.vrt c.tif || fail "c.tif"
    run ge fit a.csv b.geojson c.tif --src-crs EPSG:32633 -o m.bin --smooth 1
    expect_rc 0
    expect_err 'fit: a\.csv: 300 samples'
    expect_err 'fit: b\.geojson: 300 samples'
    expect_err 'fit: c\.tif: 200 samples'
    expect_err 'fit: 800 samples'
    run ge info m.bin --json
    [ "$(json_get '[d["source"], d["samples"], d["targets"], d["source_grid"]]' <"$OUT")" = '["a.csv, b.geojson, c.tif", 800, ["z"], null]' ] ||
        fail "info: $(json_get '[d["source"], d["samples"], d["targets"], d["source_grid"]]' <"$OUT")"
    [[ $(json_get 'd["crs_name"]' <"$OUT") == *"33N"* ]] || fail "crs $(json_get 'd["crs_name"]' <"$OUT")"
    # the same model as from one file holding every sample
    { cat s.csv; awk 'NR > 5 && NR < 26 { for (c = 1; c <= 10; c++) printf "%.1f,%.1f,%s\n", 1039.5 + c, 2034.5 - (NR - 6), $c }' c.asc; } >all.csv
    ge fit all.csv --src-crs EPSG:32633 -o one.bin --smooth 1 -q || fail "fit all.csv"
    ge predict m.bin --grid g1.csv --size 6,4 -q || fail "predict"
    ge predict one.bin --grid g2.csv --size 6,4 -q || fail "predict"
    paste -d, g1.csv g2.csv | awk -F, 'NR > 1 { d = $3 - $6; if (d < 0) d = -d; if (d > m) m = d } END { print m + 0 }' >d.txt
    # (the raster holds Float32 values: differences of its rounding only)
    expect_num "$(cat d.txt)" '<' 1e-4
    # refusals: other targets, an input with a CRS beside one without, stdin twice
    sed '1s/z/w/' b.csv >w.csv
    run ge fit a.csv w.csv -o x.bin
    expect_rc 1
    expect_error_line 'w\.csv: .*no column|w\.csv: expected the targets of a\.csv'
    run ge fit a.csv b.geojson -o x.bin
    expect_rc 1
    expect_error_line 'b\.geojson: has a CRS, and a\.csv has none'
    run ge fit - - -o x.bin
    expect_rc 2
    expect_error_line 'standard input \(-\) can be read once only'
    expect_no_file x.bin
}
