# predict --grid written in chunks of whole blocks (src/cli/grid_chunks.c):
# the same pixels whatever the chunks, and the same file on any number of
# threads. (Memory and time of large grids: make bench-grid.)

# The pixels of a raster, every band, as raw Float64 bytes in FILE.raw.
raw_pixels() {
    gdal_translate -q -of ENVI -ot Float64 "$1" "$1.raw" || fail "gdal_translate $1"
}

test_grid_chunks_give_the_whole_grid_pixels() {
    need gdal_translate
    fixture_model
    # the whole grid in one piece: untiled (strips), fewer rows than one chunk
    # (u, v and their standard deviations: four bands)
    run ge predict field.bin --grid whole.tif --size 300,200 --std --co TILED=NO
    expect_rc 0
    # 16 x 16 tiles: 13 rows of tiles, every band of a chunk in one write
    run ge predict field.bin --grid tiles.tif --size 300,200 --std --co BLOCKXSIZE=16 \
        --co BLOCKYSIZE=16
    expect_rc 0
    gdalinfo tiles.tif | grep -q 'Block=16x16' || fail "tiles.tif is not in 16x16 tiles"
    raw_pixels whole.tif
    raw_pixels tiles.tif
    cmp -s whole.tif.raw tiles.tif.raw || fail "tiled pixels differ from the whole grid's"
    # and from the CSV grid, computed cell by cell: the first band at a few places
    run ge predict field.bin --grid whole.csv --size 300,200
    expect_rc 0
    local line x y want got
    for line in 2 777 30001 60001; do
        IFS=, read -r x y want _ < <(sed -n "${line}p" whole.csv)
        got=$(gdallocationinfo -valonly -b 1 -geoloc tiles.tif "$x" "$y")
        expect_close "$got" "$want" 1e-6
    done
    # reprojected (the centres transformed chunk by chunk, evaluated in parallel)
    run ge predict field.bin --grid m1.tif --dst-crs EPSG:3857 --bbox -1e7,-5e6,1e7,5e6 \
        --size 120,90 --co TILED=NO
    expect_rc 0
    run ge predict field.bin --grid m2.tif --dst-crs EPSG:3857 --bbox -1e7,-5e6,1e7,5e6 \
        --size 120,90 --co BLOCKXSIZE=16 --co BLOCKYSIZE=16
    expect_rc 0
    raw_pixels m1.tif
    raw_pixels m2.tif
    cmp -s m1.tif.raw m2.tif.raw || fail "reprojected tiled pixels differ from the whole grid's"
}

test_grid_threads_give_the_same_file() {
    need gdalinfo
    fixture_model
    local fmt
    for fmt in GTiff COG; do
        run ge predict field.bin --grid "t1.$fmt.tif" --of "$fmt" --size 700,300 --threads 1
        expect_rc 0
        run ge predict field.bin --grid "t2.$fmt.tif" --of "$fmt" --size 700,300 --threads 2!
        expect_rc 0
        cmp -s "t1.$fmt.tif" "t2.$fmt.tif" || fail "$fmt: 1 and 2 threads wrote different files"
    done
    # reprojected, in small tiles: many chunks
    run ge predict field.bin --grid r1.tif --dst-crs EPSG:3857 --bbox -1e7,-5e6,1e7,5e6 \
        --size 200,100 --co BLOCKXSIZE=32 --co BLOCKYSIZE=32 --threads 1
    expect_rc 0
    run ge predict field.bin --grid r2.tif --dst-crs EPSG:3857 --bbox -1e7,-5e6,1e7,5e6 \
        --size 200,100 --co BLOCKXSIZE=32 --co BLOCKYSIZE=32 --threads 2!
    expect_rc 0
    cmp -s r1.tif r2.tif || fail "reprojected: 1 and 2 threads wrote different files"
    expect_no_tmp
    ls ./*stage* >/dev/null 2>&1 && fail "COG staging file left behind"
    return 0
}
