# Hostile inputs (issue 16): repeated target names, crafted models and
# checkpoints, sizes that a file declares, CRSs that name URLs or files,
# escape codes in a model's names, dropped columns and bands, write errors.
# Every reproducer runs under `timeout` and `ulimit -v` so that a regression
# fails fast instead of hanging or swapping.
# shellcheck shell=bash

# hostile ULIMIT_KB SECONDS CMD...: run CMD (geoembed with ARGS) with at most
# ULIMIT_KB of address space, killed after SECONDS.
hostile() {
    local kb=$1 secs=$2
    shift 2
    (ulimit -v "$kb" && exec timeout -k 5 "$secs" "${E2E_WRAP[@]}" "$GEOEMBED" "$@") \
        >"$OUT" 2>"$ERR" </dev/null
    RC=$?
}

# No address-space limit under valgrind or AddressSanitizer (whose shadow
# memory alone maps terabytes).
no_limits() {
    [ -n "${E2E_VALGRIND:-}" ] || ldd "$GEOEMBED" 2>/dev/null | grep -q 'libasan'
}

# The limit in KB, or unlimited where limits cannot be used.
vlim() {
    if no_limits; then echo unlimited; else echo "$1"; fi
}

# craft.py: reads and writes model files and checkpoints field by field
# (the layouts of include/geoembed/modelfile.h and checkpoint.h).
write_craft() {
    cat >craft.py <<'PY'
import struct, sys, zlib
def unwrap(b):
    plen, zlen = struct.unpack_from('<QQ', b, 16)
    return zlib.decompress(b[32:32 + zlen])
def wrap(payload, plen=None, version=4):
    z = zlib.compress(payload, 9)
    body = b'GEOEMBED' + struct.pack('<IIQQ', version, 0, len(payload) if plen is None else plen, len(z)) + z
    return body + struct.pack('<I', zlib.crc32(body) & 0xffffffff)
class R:
    def __init__(s, p, o=0): s.p, s.o = p, o
    def get(s, f):
        v = struct.unpack_from(f, s.p, s.o)[0]; s.o += struct.calcsize(f); return v
    def str(s):
        n = s.get('<I'); v = s.p[s.o:s.o + n]; s.o += n; return v
SHAPE = 'W H N p0 p1 O wrap readout'.split()
def parse(p):
    r = R(p); m = {}
    for k in SHAPE: m[k] = r.get('<i')
    for k in 'xmin ymin width height'.split(): m[k] = r.get('<d')
    m['crs'], m['xcol'], m['ycol'] = r.str(), r.str(), r.str()
    m['targets'] = [r.str() for _ in range(m['O'])]
    m['source'] = r.str()
    m['head'] = p[r.o:]
    return m
def enc(m):
    o = b''.join(struct.pack('<i', m[k]) for k in SHAPE)
    o += b''.join(struct.pack('<d', m[k]) for k in 'xmin ymin width height'.split())
    for s in [m['crs'], m['xcol'], m['ycol']] + m['targets'] + [m['source']]:
        o += struct.pack('<I', len(s)) + s
    return o + m['head']
def model(path):
    return parse(unwrap(open(path, 'rb').read()))
def save(path, m):
    open(path, 'wb').write(wrap(enc(m)))
def ckpt_parse(b):
    r = R(b, 8); c = {'fp': r.get('<Q')}
    n = r.get('<Q'); c['model'] = b[r.o:r.o + n]; r.o += n
    for k, f in [('epoch', '<q'), ('best_score', '<d'), ('since', '<q'), ('run', '<q'),
                 ('best_epoch', '<q'), ('train', '<d'), ('valid', '<d')]:
        c[k] = r.get(f)
    np_ = r.get('<Q'); c['best'] = b[r.o:r.o + 8 * np_]; r.o += 8 * np_
    c['opt_t'] = r.get('<q'); w = r.get('<Q'); c['opt'] = b[r.o:r.o + 8 * w]; r.o += 8 * w
    c['rng'] = b[r.o:r.o + 32]
    return c
def ckpt_write(path, c):
    o = b'GECKPT01' + struct.pack('<QQ', c['fp'], len(c['model'])) + c['model']
    o += struct.pack('<qdqqqdd', c['epoch'], c['best_score'], c['since'], c['run'],
                     c['best_epoch'], c['train'], c['valid'])
    o += struct.pack('<Q', len(c['best']) // 8) + c['best']
    o += struct.pack('<qQ', c['opt_t'], len(c['opt']) // 8) + c['opt'] + c['rng']
    open(path, 'wb').write(o + struct.pack('<I', zlib.crc32(o) & 0xffffffff))
PY
}

# A small CSV: lon,lat and the given target columns (values from the row).
# (values a plane plus a wobble: integers, but no row counter that the
# default targets would leave out)
small_csv() {
    local header="lon,lat" t
    for t in "$@"; do header="$header,$t"; done
    awk -v h="$header" -v n="$#" 'BEGIN { print h
        for (i = 0; i < 60; i++) { printf "%d.5,%d.5", i % 10, int(i / 10)
            for (k = 0; k < n; k++) printf ",%d", i * (k + 1) + k + i % 3; print "" } }' >d.csv
}

test_duplicate_target_names_are_a_usage_error() {
    small_csv zinc copper
    run ge fit d.csv -o m.bin --epochs 2 --smooth 1 -q
    expect_rc 0
    local cmd
    for cmd in fit eval cv; do
        local args=(d.csv)
        [ "$cmd" = fit ] && args=(d.csv -o new.bin)
        [ "$cmd" = eval ] && args=(m.bin d.csv)
        hostile "$(vlim 4000000)" 120 "$cmd" "${args[@]}" --target zinc,zinc,zinc,zinc,zinc,zinc,zinc,zinc
        expect_rc 2
        expect_error_line "$cmd: --target: target 'zinc' is named twice"
    done
    # 300 names: no crash, a usage error
    local many
    many=$(printf 'zinc,%.0s' $(seq 1 299))zinc
    hostile "$(vlim 4000000)" 120 fit d.csv -o m.bin --target "$many"
    expect_rc 2
    expect_error_line "named twice"
    # two spellings of one column: refused (the reader has one slot per column)
    hostile "$(vlim 4000000)" 120 fit d.csv -o new.bin --target zinc,ZINC
    expect_rc 1
    expect_error_line "d\.csv: target column 'zinc' \(3\) is named twice"
    expect_no_file new.bin
    hostile "$(vlim 4000000)" 120 fit d.csv -o m.bin --target 'zinc,,copper'
    expect_rc 2
    expect_error_line "empty name"
}

test_target_names_with_commas_are_kept_verbatim() {
    small_csv zinc '"a,b"'
    run ge fit d.csv -o m.bin --epochs 30 --smooth 1 -q
    expect_rc 0
    run ge info m.bin --json
    [ "$(json_get 'd["targets"]' <"$OUT")" = '["zinc", "a,b"]' ] || fail "targets: $(json_get 'd["targets"]' <"$OUT")"
    # eval matches the model's names verbatim, comma and all
    run ge eval m.bin d.csv --json
    expect_rc 0
    local n
    [ "$(json_get '[t["name"] for t in d["targets"]]' <"$OUT")" = '["zinc", "a,b"]' ] ||
        fail "eval targets: $(head -c 300 "$OUT")"
    expect_num "$(json_get '[t["samples"] for t in d["targets"] if t["name"] == "a,b"][0]' <"$OUT")" == 60
    expect_num "$(json_get '[t["r2"] for t in d["targets"] if t["name"] == "a,b"][0]' <"$OUT")" '>' 0.3
    # a quoted name on the command line names the column
    run ge fit d.csv -o m2.bin --target '"a,b"' --epochs 30 --smooth 1 -q
    expect_rc 0
    run ge info m2.bin --json
    [ "$(json_get 'd["targets"]' <"$OUT")" = '["a,b"]' ] || fail "quoted --target: $(head -c 300 "$OUT")"
}

# A checkpoint of an interrupted fit of d.csv (targets zinc, copper) in m.bin.ckpt.
make_checkpoint() {
    small_csv zinc copper
    CK_OPTS=(--epochs 100000000 --smooth 1 --checkpoint-every 1000000 --size 8,8)
    timeout -s INT 2 "$GEOEMBED" fit d.csv -o m.bin "${CK_OPTS[@]}" -q
    [ -f m.bin.ckpt ] || fail "no checkpoint was written on SIGINT"
}

test_checkpoint_with_epoch_counter_at_long_max_is_refused() {
    make_checkpoint
    write_craft
    python3 -c '
import craft
b = open("m.bin.ckpt", "rb").read()
c = craft.ckpt_parse(b)
c["epoch"] = c["run"] = 2**63 - 1
craft.ckpt_write("m.bin.ckpt", c)'
    hostile "$(vlim 4000000)" 60 fit d.csv -o m.bin "${CK_OPTS[@]}" --resume -q
    expect_rc 1
    expect_error_line 'm\.bin\.ckpt: checkpoint is damaged \(epoch counters 9223372036854775807'
}

test_checkpoint_with_another_output_count_is_refused() {
    make_checkpoint
    write_craft
    # the fingerprint of this fit, around a model with one output
    small_csv zinc copper
    cp d.csv two.csv
    awk -F, -v OFS=, '{ print $1, $2, $3 }' two.csv >one.csv
    run ge fit one.csv -o one.bin --epochs 2 --smooth 1 --size 8,8 -q
    expect_rc 0
    python3 -c '
import craft
c = craft.ckpt_parse(open("m.bin.ckpt", "rb").read())
one = open("one.bin", "rb").read()
m = craft.model("one.bin")
n = m["W"] * m["H"] * m["N"] + m["O"] * m["N"] * (2 * m["p0"] + 1) * (2 * m["p1"] + 1) + m["O"]
c["model"] = one
c["best"] = b"\0" * 8 * n
c["opt"] = b"\0" * 16 * n
craft.ckpt_write("m.bin.ckpt", c)'
    hostile "$(vlim 4000000)" 60 fit d.csv -o m.bin "${CK_OPTS[@]}" --resume -q
    expect_rc 1
    expect_error_line 'm\.bin\.ckpt: the checkpoint holds a 8x8 x 4 model with 1 outputs'
}

test_checkpoint_symlinked_to_dev_zero_is_refused() {
    small_csv zinc
    ln -s /dev/zero m.bin.ckpt
    hostile "$(vlim 2000000)" 60 fit d.csv -o m.bin --smooth 1 --epochs 5 --resume -q
    expect_rc 1
    expect_error_line 'm\.bin\.ckpt: not a regular file'
}

test_raster_declaring_two_billion_pixels_is_refused() {
    printf '<VRTDataset rasterXSize="2147483647" rasterYSize="1"><GeoTransform>0,1,0,0,0,-1</GeoTransform><VRTRasterBand dataType="Float32" band="1"/></VRTDataset>\n' >huge.vrt
    hostile "$(vlim 2000000)" 60 fit huge.vrt -o m.bin
    expect_rc 1
    expect_error_line 'huge\.vrt: 2147483647 pixels as samples \(--max-samples N keeps fewer\) needs about [0-9]+ MB of memory, more than the [0-9]+ MB available'
    expect_no_file m.bin
}

test_huge_raster_with_max_samples_reads_a_sparse_subset() {
    printf '<VRTDataset rasterXSize="1000000" rasterYSize="1000000"><GeoTransform>0,1,0,0,0,-1</GeoTransform><VRTRasterBand dataType="Float32" band="1"/></VRTDataset>\n' >big.vrt
    hostile "$(vlim 2000000)" 120 fit big.vrt -o m.bin --max-samples 500 --epochs 2 --smooth 1
    expect_rc 0
    expect_err 'fit: 500 samples'
    run ge info m.bin --json
    # the samples spread over the whole raster
    local w
    w=$(json_get 'd["exterior"][2]' <"$OUT")
    expect_num "$w" '>' 900000
}

# A model whose payload inflates far beyond its file size: WxH cells of zeros.
bomb_model() {
    write_craft
    fixture_model
    python3 - "$1" "$2" "$3" "$4" <<'PY'
import craft, struct, sys, zlib
W, H, N, O = map(int, sys.argv[1:5])
m = craft.model("field.bin")
m.update(W=W, H=H, N=N, O=O, p0=1, p1=1)
m["targets"] = [b"t%d" % o for o in range(O)]
r = craft.R(m["head"])
head = m["head"][:4 + 4 + 24 + 4 + 48 + 16]  # loss..valid_loss
n = W * H * N + O * N * 9 + O
m["head"] = head
pre = craft.enc(m) + struct.pack("<d", 0) * O + struct.pack("<d", 1) * O + struct.pack("<Q", n)
z = zlib.compressobj(9)
out = [z.compress(pre)]
zero = b"\0" * (1 << 20)
left = 8 * n
while left:
    k = min(left, len(zero)); out.append(z.compress(zero[:k])); left -= k
out.append(z.flush())
body = b"".join(out)
plen = len(pre) + 8 * n
h = b"GEOEMBED" + struct.pack("<IIQQ", 1, 0, plen, len(body)) + body
open("bomb.bin", "wb").write(h + struct.pack("<I", zlib.crc32(h) & 0xffffffff))
PY
}

test_model_that_inflates_to_gigabytes_is_refused_first() {
    slow # address-space limits do not fit valgrind
    bomb_model 4000 4000 8 1 # 1 GB of parameters in about 1 MB
    local size
    size=$(wc -c <bomb.bin)
    expect_num "$size" '<' 2000000
    run ge info bomb.bin --json --max-memory 600M
    expect_rc 1
    expect_error_line 'bomb\.bin: loading the model needs about [0-9.e+]+ MB of memory, more than the 629.1 MB allowed by --max-memory'
    no_limits && return 0
    hostile 1500000 60 info bomb.bin
    expect_rc 1
    expect_error_line 'bomb\.bin: loading the model needs about 2[0-9]{3} MB of memory, more than the [0-9]+ MB available'
}

test_model_above_1e8_cells_is_refused_whole_by_memory_not_by_format() {
    slow
    bomb_model 15000 10000 1 1 # 1.5e8 cells: 1.2 GB of parameters in about 1 MB
    echo "x,y" >pts.csv
    echo "0.5,0.5" >>pts.csv
    for cmd in "info bomb.bin" "predict bomb.bin pts.csv -o out.csv"; do
        # shellcheck disable=SC2086
        run ge $cmd --max-memory 1G
        expect_rc 1
        expect_error_line 'bomb\.bin: loading the model needs about 2[0-9]{3} MB of memory, more than the 1074 MB allowed by --max-memory'
    done
    expect_no_file out.csv
}

test_small_model_with_a_huge_field_is_refused() {
    slow
    bomb_model 1000 1000 1 256 # 8 MB of parameters, a 2 GB field
    if ! no_limits; then
        hostile 1800000 60 predict bomb.bin --grid out.tif --size 10,10
        expect_rc 1
        expect_error_line "bomb\.bin: the model's field needs about 20[0-9]{2} MB of memory"
        expect_no_file out.tif
    fi
    run ge predict bomb.bin --grid out.csv --size 10,10 --max-memory 1G
    expect_rc 1
    expect_error_line "allowed by --max-memory"
}

test_spacing_of_many_copies_of_one_point_is_fast() {
    slow
    awk 'BEGIN { print "x,y,v"; for (i = 0; i < 200000; i++) print "5,5," i % 7; print "1000,1000,3" }' >spot.csv
    hostile "$(vlim 4000000)" 60 fit spot.csv -o m.bin --epochs 1 --smooth 1
    expect_rc 0
    expect_err 'median sample spacing 1407\.14'
}

test_threads_are_capped_at_the_cores_unless_forced() {
    small_csv zinc
    local cores
    cores=$(getconf _NPROCESSORS_ONLN)
    [ "$cores" -lt 512 ] || skip "$cores cores"
    hostile "$(vlim 3000000)" 60 fit d.csv -o m.bin --epochs 2 --smooth 1 --threads 512
    expect_rc 0
    expect_err "--threads 512: using the $cores cores \(write 512! to force more\)"
    run ge fit d.csv -o m.bin --epochs 2 --smooth 1 --threads '3!'
    expect_rc 0
    expect_no_err 'using the'
    run ge fit d.csv -o m.bin --threads '3!!'
    expect_rc 2
    expect_error_line "--threads expects a whole number"
}

test_max_memory_option() {
    fixture_model
    run ge info field.bin --max-memory lots
    expect_rc 2
    expect_error_line "info: --max-memory expects a size such as 512M or 4G, got 'lots'"
    run ge info field.bin --max-memory 10K
    expect_rc 1
    expect_error_line 'field\.bin: reading the model needs about [0-9.]+ MB of memory, more than the 0.01024 MB allowed by --max-memory'
    run ge info field.bin --max-memory 1G
    expect_rc 0
    # samples: the arrays of a long input are checked as they grow
    awk 'BEGIN { print "lon,lat,v"; for (i = 0; i < 5000; i++) printf "%d,%d,%d\n", i % 100, i / 100, i }' >long.csv
    run ge fit long.csv -o m.bin --max-memory 100K
    expect_rc 1
    expect_error_line 'long\.csv: room for 4096 samples needs about 0\.1311 MB of memory, more than the 0\.1024 MB allowed by --max-memory'
    if command -v ogr2ogr >/dev/null; then
        ogr2ogr -f GeoJSON long.geojson long.csv -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat \
            -a_srs EPSG:4326
        run ge fit long.geojson -o m.bin --max-memory 100K --target v
        expect_rc 1
        expect_error_line 'long\.geojson: room for 8192 samples needs about 0\.1966 MB'
    fi
}

# A model whose CRS field is DEF.
crs_model() {
    write_craft
    fixture_model
    python3 -c '
import craft, sys
m = craft.model("field.bin")
m["crs"] = sys.argv[1].encode()
craft.save("crs.bin", m)' "$1"
}

test_model_crs_never_reads_a_file_or_the_network() {
    # a file with a valid CRS: read it and the model would say WGS 84
    ge info field.bin >/dev/null 2>&1
    printf 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]\n' >wgs84.prj
    crs_model "$PWD/wgs84.prj"
    run ge info crs.bin
    expect_rc 0
    expect_out 'CRS: +(unknown|refused)'
    expect_no_err .
    if grep -q 'WGS 84' "$OUT"; then fail "the CRS was read from the file the model names"; fi
    run ge predict crs.bin --grid out.csv --size 4,4
    expect_rc 1
    expect_error_line "crs\.bin: the model's CRS cannot be read"
    # a URL: nothing may connect to this listener
    python3 - <<'PY' &
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); s.settimeout(8)
open("port", "w").write(str(s.getsockname()[1]))
try:
    s.accept(); open("contacted", "w").write("yes")
except OSError:
    pass
PY
    local listener=$! i
    for i in $(seq 1 50); do [ -s port ] && break; sleep 0.1; done
    crs_model "http://127.0.0.1:$(cat port)/crs.wkt"
    hostile "$(vlim 4000000)" 30 info crs.bin
    expect_rc 0
    kill "$listener" 2>/dev/null
    wait "$listener" 2>/dev/null
    expect_no_file contacted
    # a WKT with a grid file named by path is refused, a bare grid name is not
    crs_model 'BOUNDCRS[SOURCECRS[GEOGCRS["x",DATUM["d",ELLIPSOID["e",6378137,298.257223563]],CS[ellipsoidal,2],AXIS["lon",east],AXIS["lat",north],ANGLEUNIT["degree",0.0174532925199433]]],TARGETCRS[GEOGCRS["WGS 84",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563]],CS[ellipsoidal,2],AXIS["lon",east],AXIS["lat",north],ANGLEUNIT["degree",0.0174532925199433]]],ABRIDGEDTRANSFORMATION["t",METHOD["NTv2"],PARAMETERFILE["Latitude and longitude difference file","/etc/passwd"]]]'
    run ge info crs.bin
    expect_out 'CRS: +refused: the WKT names a file or URL'
}

test_info_escapes_terminal_control_characters() {
    write_craft
    fixture_model
    python3 -c '
import craft
m = craft.model("field.bin")
m["source"] = b"\x1b]0;pwned\x07\x1b[31mred"
m["targets"] = [b"u\x1b[2J", b"v\xff\xfe\x9b1m"]
m["xcol"] = b"lon\r\x7f"
craft.save("esc.bin", m)'
    run ge info esc.bin
    expect_rc 0
    if LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$OUT"; then fail "control characters reached the terminal: $(head -c 300 "$OUT" | od -c | head -n 3)"; fi
    expect_out 'targets: +u\\x1b\[2J, v\\xff\\xfe\\x9b1m'
    expect_out 'trained on: +\\x1b\]0;pwned\\x07\\x1b\[31mred'
    expect_out 'coordinates: lon\\x0d\\x7f, lat'
    run ge info esc.bin --json
    expect_rc 0
    python3 -c '
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))   # strict UTF-8
assert d["targets"] == ["u\x1b[2J", "v\ufffd\ufffd\ufffd1m"], d["targets"]
assert d["source"] == "\x1b]0;pwned\x07\x1b[31mred", d["source"]' "$OUT" || fail "info --json: $(head -c 300 "$OUT")"
    if LC_ALL=C grep -q $'\x1b' "$OUT"; then fail "an escape character in the JSON"; fi
}

test_more_than_256_numeric_columns_are_not_dropped_silently() {
    awk 'BEGIN { printf "lon,lat"; for (k = 0; k < 300; k++) printf ",c%d", k; print ""
        for (i = 0; i < 20; i++) { printf "%d,%d", i, i % 5; for (k = 0; k < 300; k++) printf ",%d", i + k; print "" } }' >wide.csv
    run ge fit wide.csv -o m.bin
    expect_rc 1
    expect_error_line 'wide\.csv: 300 numeric columns besides the coordinates, more than the 256 targets a model holds; choose them with --target'
    run ge fit wide.csv -o m.bin --target c7,c299 --epochs 2 --smooth 1 -q
    expect_rc 0
}

test_complex_raster_is_refused() {
    need gdal_create
    gdal_create -q -of GTiff -outsize 8 8 -bands 1 -ot CFloat32 -burn 2 -a_srs EPSG:4326 \
        -a_ullr 0 8 8 0 c.tif || skip "gdal_create cannot write a complex GeoTIFF"
    run ge fit c.tif -o m.bin
    expect_rc 1
    expect_error_line 'c\.tif: band 1 is complex \(CFloat32\) and geoembed learns real values'
}

test_raster_with_a_nan_origin_is_refused() {
    need gdal_translate
    printf '<VRTDataset rasterXSize="8" rasterYSize="8"><GeoTransform>nan,1,0,0,0,-1</GeoTransform><VRTRasterBand dataType="Float32" band="1"/></VRTDataset>\n' >nan.vrt
    gdal_translate -q nan.vrt nan.tif 2>/dev/null
    local f
    for f in nan.vrt nan.tif; do
        [ -f "$f" ] || continue
        run ge fit "$f" -o m.bin
        expect_rc 1
        expect_error_line "${f/./\\.}: the raster's geotransform \(nan, 1, 0, 0, 0, -1\) is not usable"
    done
}

test_help_and_version_to_a_full_disk_fail() {
    [ -w /dev/full ] || skip "no /dev/full"
    local args
    for args in --help --version "help fit" "fit --help" help; do
        # shellcheck disable=SC2086
        ge $args >/dev/full 2>"$ERR"
        RC=$?
        expect_rc 1
        expect_error_line 'write error on standard output: No space left on device'
    done
}

test_truncated_shapefile_fails_every_command() {
    need ogr2ogr
    awk 'BEGIN { print "lon,lat,v"; for (i = 0; i < 155; i++) printf "%d,%d,%d\n", (i % 15) * 2, int(i / 15) * 2, i }' >p.csv
    ogr2ogr -q -f "ESRI Shapefile" full.shp p.csv -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -a_srs EPSG:4326 ||
        skip "ogr2ogr cannot write a shapefile"
    run ge fit full.shp --target v -o m.bin --epochs 2 --smooth 1 -q
    expect_rc 0
    local e
    for e in shx dbf prj; do cp "full.$e" "p.$e"; done
    head -c 2300 full.shp >p.shp
    run ge fit p.shp --target v -o t.bin --epochs 2 --smooth 1
    expect_rc 1
    expect_error_line "p\.shp: reading layer 'p': .*from \.shp file"
    run ge eval m.bin p.shp
    expect_rc 1
    expect_error_line "p\.shp: reading layer 'p'"
    run ge predict m.bin p.shp -o out.csv
    expect_rc 1
    expect_error_line "p\.shp: reading layer 'p': .*from \.shp file"
    expect_no_file out.csv
}

test_a_huge_kernel_is_refused() {
    write_field f.csv
    run ge fit f.csv -o m.bin --padding 1000,1000
    expect_rc 2
    expect_error_line 'padding expects whole numbers P\[,Q\] from 0 to 64'
    expect_no_file m.bin
}

# A model file with a CRC that holds but a parameter that is NaN or infinite
# (a damaged or crafted file): predict wrote NaN or -inf cells, exit 0.
test_a_model_with_a_non_finite_parameter_is_refused() {
    need python3
    small_csv zinc
    ge fit d.csv -o m.bin --size 8,6 --smooth 1 -q || fail "fit"
    local np
    np=$(ge info m.bin | awk '/parameters:/ { print $2 }')
    [ -n "$np" ] || fail "no parameter count in info"
    write_craft
    local v
    for v in nan inf -inf; do
        python3 - "$np" "$v" <<'PY' || fail "craft $v"
import struct, sys
sys.path.insert(0, '.')
from craft import unwrap, wrap
p = unwrap(open('m.bin', 'rb').read())
at = p.index(struct.pack('<Q', int(sys.argv[1]))) + 8
p = p[:at] + struct.pack('<d', float(sys.argv[2])) + p[at + 8:]
open('bad.bin', 'wb').write(wrap(p))
PY
        run ge predict bad.bin --grid g.csv --size 4,4
        expect_rc 1
        expect_error_line 'bad\.bin: model file is damaged: a parameter or a target.s mean or std is not a finite number'
        expect_no_file g.csv
    done
    # the same bytes with a finite value load
    python3 - "$np" <<'PY' || fail "craft finite"
import struct, sys
sys.path.insert(0, '.')
from craft import unwrap, wrap
p = unwrap(open('m.bin', 'rb').read())
at = p.index(struct.pack('<Q', int(sys.argv[1]))) + 8
p = p[:at] + struct.pack('<d', 0.25) + p[at + 8:]
open('ok.bin', 'wb').write(wrap(p))
PY
    run ge predict ok.bin --grid g.csv --size 4,4
    expect_rc 0
}

# Two targets of one name from a CSV header or a raster's bands: fit wrote
# a model with targets "v, v" that eval then refused ("named twice").
test_targets_of_one_name_from_the_data_are_refused() {
    need gdal_translate
    printf 'x,y,v,v\n1,2,3,4\n5,6,7,8\n9,1,2,3\n' >d.csv
    run ge fit d.csv -o m.bin --smooth 1
    expect_rc 1
    expect_err "^geoembed: d\\.csv: columns 3 and 4 are both named 'v': rename one, or choose the targets with --target$"
    expect_no_file m.bin
    run ge fit d.csv -o m.bin --smooth 1 --target v -q
    expect_rc 0
    awk 'BEGIN { print "ncols 4\nnrows 4\nxllcorner 0\nyllcorner 0\ncellsize 1\nNODATA_value -9999"
        for (r = 0; r < 4; r++) print r, r + 1, r + 2, r + 3 }' >b.asc
    gdal_translate -q b.asc b.tif || fail "gdal_translate"
    run ge fit b.tif --band 1,1 -o b.bin --smooth 1
    expect_rc 1
    expect_err '^geoembed: b\.tif: band 1 is chosen twice$'
    expect_no_file b.bin
}
