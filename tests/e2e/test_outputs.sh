# Writing outputs safely: symbolic links, standard output, pipes and FIFOs,
# outputs over inputs, signals and leftovers, modes and long names, every GDAL
# raster driver, stale sidecars and GDAL's warnings.
# shellcheck shell=bash

# A one-target model (single-band formats such as AAIGrid and JPEG need one).
one_target_model() {
    fixture_field field.csv
    ge fit field.csv --target u -o "$1" -q --smooth 1 --epochs 50 || fail "fit of $1 failed"
}

# No temporary file or directory of geoembed under DIR (default .).
expect_no_temps() {
    local left
    left=$(find "${1:-.}" -name '.geoembed.tmp.*' -o -name '*.tmp.*' -o -name 'geoembed-stage*' \
        2>/dev/null | head -n 3 | tr '\n' ' ')
    [ -z "$left" ] || fail "temporary files left behind: $left"
}

test_symlinked_output_writes_its_target() {
    fixture_model
    echo old >target.csv
    ln -s target.csv link.csv
    run ge predict field.bin --grid link.csv --size 8,4
    expect_rc 0
    [ -L link.csv ] || fail "the symbolic link was replaced"
    [ "$(csv_rows target.csv)" -eq 32 ] || fail "the link's target was not written"
    # a link into another directory, to a file that does not exist yet
    mkdir sub
    ln -s sub/new.tif link.tif
    run ge predict field.bin --grid link.tif --size 8,4
    expect_rc 0
    [ -L link.tif ] || fail "the symbolic link was replaced"
    gdalinfo sub/new.tif >/dev/null 2>&1 || fail "sub/new.tif was not written"
    # the model of fit, too
    ln -s real.bin model-link.bin
    run ge fit field.csv -o model-link.bin -q --smooth 1 --epochs 5
    expect_rc 0
    [ -L model-link.bin ] || fail "fit replaced the symbolic link"
    run ge info real.bin
    expect_rc 0
    expect_no_temps .
    expect_no_temps sub
}

# A link to /dev/stdout (the real one is not used: a regression, run as root,
# would replace the device link for the whole machine).
test_output_to_dev_stdout_is_streamed() {
    fixture_model
    ln -s /dev/stdout so
    ge predict field.bin --grid so --of CSV --size 8,4 >grid.csv 2>err || fail "predict failed: $(head -n 1 err)"
    [ -L so ] || fail "the link to /dev/stdout was replaced"
    [ "$(csv_rows grid.csv)" -eq 32 ] || fail "the grid did not reach standard output"
    ge fit field.csv -o so -q --smooth 1 --epochs 5 >m.bin 2>err || fail "fit failed: $(head -n 1 err)"
    [ -L so ] || fail "fit replaced the link to /dev/stdout"
    run ge info m.bin
    expect_rc 0
    ge predict field.bin --grid so --of GTiff --size 8,4 >g.tif 2>err || fail "GTiff failed: $(head -n 1 err)"
    gdalinfo g.tif >/dev/null 2>&1 || fail "the GeoTIFF on standard output does not open"
    [ -L so ] || fail "the GTiff writer replaced the link to /dev/stdout"
    expect_no_temps
}

test_outputs_over_inputs_are_refused() {
    fixture_model
    write_points pts.csv 20
    cp field.bin keep.bin
    cp pts.csv keep.csv
    run ge predict field.bin --grid field.bin --of GTiff
    expect_rc 2
    expect_error_line 'field\.bin: is the input field\.bin'
    run ge plot field.bin -o field.bin
    expect_rc 2
    expect_error_line 'is the input'
    run ge predict field.bin pts.csv -o pts.csv
    expect_rc 2
    expect_error_line 'pts\.csv: is the input pts\.csv'
    run ge plot field.bin --samples pts.csv -o pts.csv
    expect_rc 2
    ln -s field.bin alias.bin
    run ge predict field.bin --grid alias.bin --of GTiff
    expect_rc 2
    expect_error_line 'alias\.bin: is the input field\.bin'
    expect_same field.bin keep.bin
    expect_same pts.csv keep.csv
}

# GDAL drivers read back what they write: through a pipe they used to hang.
test_gdal_formats_stream_to_pipes() {
    need gdalinfo
    fixture_model
    mkdir tmpd
    export TMPDIR=$PWD/tmpd
    timeout 60 "$GEOEMBED" plot field.bin -o /dev/stdout 2>err | cat >p.png
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "plot to a pipe failed: $(head -n 1 err)"
    head -c 8 p.png | od -c | grep -q 'P   N   G' || fail "plot sent no PNG to the pipe"
    timeout 60 "$GEOEMBED" plot field.bin -o - 2>err | cat >p2.png
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "plot -o - failed: $(head -n 1 err)"
    expect_same p.png p2.png
    local of
    for of in COG GTiff; do
        timeout 60 "$GEOEMBED" predict field.bin --grid /dev/stdout --of $of --size 16,8 2>err | cat >g.tif
        [ "${PIPESTATUS[0]}" -eq 0 ] || fail "predict --of $of to a pipe failed: $(head -n 1 err)"
        gdalinfo g.tif 2>/dev/null | grep -q 'Size is 16, 8' || fail "the $of from the pipe does not open"
    done
    # into a FIFO
    mkfifo fifo
    timeout 60 cat fifo >f.tif &
    local reader=$!
    run timeout 60 "$GEOEMBED" predict field.bin --grid fifo --of COG --size 16,8
    wait "$reader"
    expect_rc 0
    gdalinfo f.tif 2>/dev/null | grep -q 'Size is 16, 8' || fail "the COG from the FIFO does not open"
    expect_no_temps tmpd
    expect_no_temps
}

test_multi_file_format_to_a_pipe_fails_at_once() {
    fixture_model
    mkdir tmpd
    export TMPDIR=$PWD/tmpd
    timeout 60 "$GEOEMBED" predict field.bin --grid /dev/stdout --of ENVI --size 8,4 2>"$ERR" | cat >/dev/null
    RC=${PIPESTATUS[0]}
    expect_rc 1
    expect_error_line '/dev/stdout: cannot stream this format: it writes 2 files'
    expect_no_temps tmpd
}

# sig_write SIG OF: predict a large grid, send SIG once writing has begun (a
# temporary directory exists); RC is its exit status. Started from python so
# that the signal has its default action (a script's background job ignores
# SIGINT).
sig_write() {
    python3 - "$1" "$GEOEMBED" "$2" <<'EOF'
import glob, os, signal, subprocess, sys, time
sig = getattr(signal, "SIG" + sys.argv[1])
def defaults():
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(s, signal.SIG_DFL)
p = subprocess.Popen([sys.argv[2], "predict", "field.bin", "--grid", "big.tif", "--of", sys.argv[3],
                      "--size", "6000,6000"], preexec_fn=defaults, stderr=subprocess.DEVNULL)
for _ in range(600):
    if glob.glob(".geoembed.tmp.*") or p.poll() is not None:
        break
    time.sleep(0.02)
time.sleep(0.2)
p.send_signal(sig)
rc = p.wait(timeout=120)
sys.exit(128 - rc if rc < 0 else rc)
EOF
    RC=$?
}

test_signals_remove_temporary_files() {
    slow
    need python3
    fixture_model
    mkdir tmpd
    export TMPDIR=$PWD/tmpd
    echo previous >big.tif
    local sig of n
    for of in GTiff COG; do
        n=2
        for sig in INT TERM HUP PIPE; do
            sig_write "$sig" "$of"
            [ "$RC" -eq $((128 + $(kill -l "$sig"))) ] || fail "$of, SIG$sig: exit status $RC"
            expect_no_temps
            expect_no_temps tmpd
            [ "$(cat big.tif)" = previous ] || fail "$of, SIG$sig: the previous output was replaced"
        done
    done
}

test_sigkill_leftovers_are_swept_by_the_next_run() {
    need python3
    fixture_model
    mkdir tmpd
    export TMPDIR=$PWD/tmpd
    sig_write KILL COG
    [ "$RC" -eq 137 ] || fail "exit status $RC"
    [ -n "$(find . -name '.geoembed.tmp.*')" ] || skip "the run ended before the kill"
    run ge predict field.bin --grid small.tif --size 8,4
    expect_rc 0
    expect_no_temps
    expect_no_temps tmpd
    # a temporary of a live process stays
    sleep 30 &
    local live=$!
    mkdir ".geoembed.tmp.$live.abcdef"
    run ge predict field.bin --grid small.csv --size 8,4
    expect_rc 0
    [ -d ".geoembed.tmp.$live.abcdef" ] || fail "a live process's temporary was removed"
    kill "$live"
}

test_replacing_a_file_keeps_its_mode() {
    fixture_model
    local f
    for f in g.tif g.csv p.png m.bin; do
        echo old >$f
        chmod 600 $f
    done
    ge predict field.bin --grid g.tif --size 8,4 -q || fail "predict g.tif failed"
    ge predict field.bin --grid g.csv --size 8,4 -q || fail "predict g.csv failed"
    ge plot field.bin -o p.png -q || fail "plot failed"
    ge fit field.csv -o m.bin -q --smooth 1 --epochs 5 || fail "fit failed"
    for f in g.tif g.csv p.png m.bin; do
        [ "$(stat -c %a $f)" = 600 ] || fail "$f: mode $(stat -c %a $f), expected 600"
        [ "$(cat $f 2>/dev/null | head -c 3)" != old ] || fail "$f was not replaced"
    done
    # a new file gets what the umask allows
    (umask 027 && ge predict field.bin --grid new.tif --size 8,4 -q) || fail "predict new.tif failed"
    [ "$(stat -c %a new.tif)" = 640 ] || fail "new.tif: mode $(stat -c %a new.tif), expected 640"
}

test_names_of_255_bytes() {
    fixture_model
    local stem
    stem=$(printf 'n%.0s' $(seq 1 251))
    local ext
    for ext in tif csv png bin; do
        case $ext in
        tif | csv) run ge predict field.bin --grid "$stem.$ext" --size 8,4 ;;
        png) run ge plot field.bin -o "$stem.$ext" ;;
        bin) run ge fit field.csv -o "$stem.$ext" --smooth 1 --epochs 5 -q ;;
        esac
        expect_rc 0
        expect_file "$stem.$ext"
    done
    expect_no_temps
}

test_stale_aux_xml_is_removed() {
    need gdalinfo
    fixture_model
    cat >g.tif.aux.xml <<'EOF'
<PAMDataset><Metadata><MDI key="STALE">yes</MDI></Metadata></PAMDataset>
EOF
    echo old >g.tif
    run ge predict field.bin --grid g.tif --size 8,4
    expect_rc 0
    expect_no_file g.tif.aux.xml
    gdalinfo g.tif | grep -q STALE && fail "the stale statistics of the old file are shown"
    # a format whose new sidecar replaces the old one
    echo '<PAMDataset><Metadata><MDI key="STALE">yes</MDI></Metadata></PAMDataset>' >h.img.aux.xml
    run ge predict field.bin --grid h.img --size 8,4
    expect_rc 0
    gdalinfo h.img | grep -q STALE && fail "h.img: stale sidecar kept"
    return 0
}

test_gdal_warnings_are_shown() {
    fixture_model
    # GDAL's warning in geoembed's words (then the option is refused)
    run ge predict field.bin --grid w.tif --size 8,4 --co COMPRESS=NOPE
    expect_rc 2
    expect_err '^geoembed: warning: .*COMPRESS'
    expect_no_err '^(Warning|ERROR) [0-9]'
}

test_raster_format_from_extension() {
    need gdalinfo
    one_target_model m.bin
    local f
    for f in r.nc r.asc r.img r.gpkg r.xyz; do
        # GeoPackage records no NaN nodata: it needs --nodata
        run ge predict m.bin --grid $f --size 8,4 $([ $f = r.gpkg ] && echo --nodata -9999)
        expect_rc 0
        gdalinfo $f >/dev/null 2>&1 || fail "$f does not open"
    done
    gdalinfo r.nc | grep -q 'NETCDF_VARNAME=u$' || fail "r.nc: no variable named u"
    run ge predict m.bin --grid r.grd --size 8,4
    expect_rc 2
    expect_error_line "several GDAL drivers write '\.grd' files \(.*GSBG.*\); name one with --of"
    run ge predict m.bin --grid r.nope --size 8,4
    expect_rc 2
    expect_error_line "cannot tell the grid format of 'r\.nope'"
    expect_no_temps
}

test_envi_hfa_gpkg_outputs() {
    need gdalinfo
    fixture_model
    run ge predict field.bin --grid r.envi --of ENVI --size 8,4
    expect_rc 0
    expect_file r.hdr
    gdalinfo r.envi | grep -q 'Description = v' || fail "r.envi does not open with its band names"
    run ge predict field.bin --grid r.img --size 8,4
    expect_rc 0
    gdalinfo r.img | grep -q 'Description = u' || fail "r.img lost its band names"
    one_target_model one.bin
    echo old >r.gpkg
    # GeoPackage records no NaN nodata: before, GDAL's warning and exit 0
    # with the empty cells unmarked
    run ge predict one.bin --grid r.gpkg --size 8,4
    expect_rc 2
    expect_error_line 'GeoPackage raster cannot record NaN.*--nodata'
    [ "$(cat r.gpkg)" = old ] || fail "a refused run changed r.gpkg"
    run ge predict one.bin --grid r.gpkg --size 8,4 --nodata -9999
    expect_rc 0
    gdalinfo r.gpkg 2>/dev/null | grep -q 'NoData Value=-9999' || fail "r.gpkg lost its nodata value"
    expect_no_temps
}

# A driver that names its creation types and not the grid's converts the
# values on copying (before: Float32 predictions became GIF's Byte, 0 to 2,
# with exit 0 and not a word; PNG with only GDAL's warning): refused, and
# fill's pixels, which keep their type, likewise; a type the driver names
# is written.
test_formats_that_would_convert_the_type_are_refused() {
    need gdalinfo
    one_target_model one.bin
    local f
    for f in g.gif g.png g.jpg; do
        run ge predict one.bin --grid "$f" --size 8,4
        expect_rc 2
        expect_error_line "GDAL's [A-Z]+ driver writes Byte(, UInt16)? rasters only, not Float32: give --ot"
        expect_no_file "$f"
    done
    run ge predict one.bin --grid g.png --size 8,4 --ot UInt16 --nodata 0
    expect_rc 0
    gdalinfo g.png | grep -q 'Type=UInt16' || fail "g.png is not UInt16"
    ge predict one.bin --grid f32.tif --size 8,4 -q || fail "the GeoTIFF grid failed"
    run ge fill f32.tif -o f.gif
    expect_rc 2
    expect_error_line "band 1 is Float32, which GDAL's GIF driver does not write \\(only Byte\\)"
    expect_no_file f.gif
    # a CSV grid has no creation options: --co was dropped without a word
    run ge predict one.bin --grid g.csv --size 3,3 --co COMPRESS=LZW
    expect_rc 2
    expect_error_line '--co applies to raster grids'
    expect_no_file g.csv
}

# Every GDAL raster driver that writes files: the grid is written, opens, and
# holds the right values when the file is of a floating-point type; or the run
# fails with one line and leaves nothing.
test_every_gdal_raster_driver() {
    slow
    need gdalinfo
    need gdallocationinfo
    one_target_model m.bin
    ge predict m.bin --grid ref.csv --size 24,12 -q || fail "the CSV grid failed"
    # pixel (10, 5): line 2 + 5 * 24 + 10 of the CSV
    local want
    want=$(awk -F, 'NR == 2 + 5 * 24 + 10 { print $3 }' ref.csv)
    local d ok=0 bad=0 f opened ext tol
    for d in $(gdalinfo --formats | awk '/-raster/ && /\(rw/ { print $1 }'); do
        case $d in MEM | PostGISRaster | WMS | WMTS | NGW) continue ;; esac
        rm -rf w && mkdir w
        # the driver's own extension: some open only files named so (MBTiles)
        ext=$(gdalinfo --format "$d" 2>/dev/null | awk -F': ' '/^ *Extensions?:/ { split($2, e, " "); print e[1]; exit }')
        (cd w && timeout 120 "$GEOEMBED" predict ../m.bin --grid "out.${ext:-x}" --of "$d" --size 24,12 -q \
            >"$OUT" 2>"$ERR")
        RC=$?
        if [ "$RC" -ne 0 ]; then
            [ "$RC" -eq 1 ] || [ "$RC" -eq 2 ] || fail "$d: exit status $RC"
            expect_error_line "."
            [ -z "$(ls -A w)" ] || fail "$d failed and left $(ls -A w | tr '\n' ' ')"
            bad=$((bad + 1))
            continue
        fi
        expect_no_temps w
        opened=
        for f in "w/out.${ext:-x}" w/*; do
            if gdalinfo "$f" >w.info 2>/dev/null; then
                opened=$f
                break
            fi
        done
        [ -n "$opened" ] || fail "$d: no file written opens: $(ls -A w | tr '\n' ' ')"
        if grep '^Band 1 ' w.info | grep -q 'Type=Float'; then
            local got
            got=$(gdallocationinfo -valonly "$opened" 10 5 2>/dev/null | head -n 1)
            tol=1e-4
            case $d in # formats that quantise
            HF2) tol=0.01 ;;     # VERT_PRECISION
            SIGDEM) tol=0.001 ;; # scaled integers
            esac
            awk -v a="$got" -v b="$want" -v t="$tol" 'BEGIN { d = a - b; exit !(a != "" && d * d <= t * t) }' ||
                fail "$d: pixel (10, 5) is '$got', expected $want"
        fi
        ok=$((ok + 1))
    done
    expect_num "$ok" ">=" 20
}

# One-band formats and a grid of several bands: XYZ wrote the first band
# only (a GDAL warning, exit 0: v was lost); AAIGrid failed after the grid
# was computed. Both are refused before any work, as is fill of a
# multi-band raster into them; one band is written as before.
test_one_band_formats_refuse_several_bands() {
    need gdalinfo
    fixture_model
    local f
    for f in g.xyz g.asc; do
        run ge predict field.bin --grid "$f" --size 8,4
        expect_rc 2
        expect_error_line "GDAL's (XYZ|AAIGrid) driver writes one band; this grid has 2 \\(u, v\\): use a format with bands"
        expect_no_file "$f"
    done
    ge fit field.csv --target u -o u.bin --smooth 1 -q || fail "fit of u failed"
    run ge predict u.bin --grid s.xyz --size 8,4 --std
    expect_rc 2
    expect_error_line 'this grid has 2 \(u, u_std\)'
    run ge predict u.bin --grid one.xyz --size 8,4
    expect_rc 0
    expect_no_err 'first band'
    [ "$(wc -l <one.xyz)" -eq 32 ] || fail "one.xyz: $(wc -l <one.xyz) lines, expected 32"
    ge predict field.bin --grid two.tif --size 8,4 -q || fail "the GeoTIFF grid failed"
    run ge fill two.tif -o f.xyz
    expect_rc 2
    expect_error_line "two\\.tif has 2 bands; GDAL's XYZ driver writes one"
    expect_no_file f.xyz
}
