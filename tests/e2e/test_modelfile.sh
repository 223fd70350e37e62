# The model file: what it records, and damaged, foreign or newer files
# refused with one clear line (never a crash, never a silently wrong model).
# Layout (include/geoembed/modelfile.h): "GEOEMBED", u32 version at offset 8,
# u32 flags, u64 payload size, u64 compressed size, zlib payload, u32 CRC-32.
# shellcheck shell=bash

# Every command that reads a model refuses MODEL with status 1 and one line
# "geoembed: MODEL: ..." matching REGEX, writing nothing (when quick: info,
# predict --grid and fit --init only).
expect_model_refused() { # MODEL REGEX
    local model=$1 re=$2
    write_points p.csv 5
    run ge info "$model"
    expect_rc 1
    expect_error_line "^geoembed: $model: $re"
    run ge predict "$model" --grid g.tif
    expect_rc 1
    expect_error_line "^geoembed: $model: $re"
    expect_no_file g.tif
    run ge fit field.csv --init "$model" -o out.bin --epochs 1 --smooth 1
    expect_rc 1
    expect_error_line "^geoembed: $model: $re"
    expect_no_file out.bin
    expect_no_tmp
    quick && return 0
    run ge info "$model" --json
    expect_rc 1
    expect_error_line "^geoembed: $model: $re"
    [ -s "$OUT" ] && fail "info --json printed something for a bad model: $(head -c 100 "$OUT")"
    run ge predict "$model" p.csv -o out.csv
    expect_rc 1
    expect_error_line "^geoembed: $model: $re"
    expect_no_file out.csv
    run ge eval "$model" field.csv
    expect_rc 1
    expect_error_line "^geoembed: $model: $re"
    expect_no_tmp
}

# Byte at OFFSET of FILE replaced by its complement.
flip_byte() { # FILE OFFSET
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    [ -n "$b" ] || fail "no byte at offset $2 of $1"
    # shellcheck disable=SC2059
    printf "$(printf '\\%03o' $((255 - b)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

file_size() {
    wc -c <"$1" | tr -d ' '
}

test_model_records_settings() {
    need python3
    write_field f.csv
    run ge fit f.csv -o m.bin --epochs 7 --seed 5 --size 20,10 --features 3 --padding 2,1 --smooth 0.5 \
        --bbox -180,-90,180,90 --wrap x --loss huber --huber-delta 0.5 --lr 0.02 --batch-size 100
    expect_rc 0
    run ge info m.bin --json
    expect_rc 0
    local got
    got=$(json_get '[d["format_version"], d["grid"], d["features"], d["padding"], d["outputs"], d["exterior"], d["wrap"], d["loss"], d["optimizer"], d["lr"], d["smooth"], d["epochs"], d["batch_size"], d["seed"], d["samples"], d["skipped"], d["standardized"], d["source"]]' <"$OUT")
    [ "$got" = '[4, [20, 10], 3, [2, 1], 2, [-180, -90, 360, 180], "x", "huber", "adam", 0.02, 0.5, 7, 100, 5, 500, 0, true, "f.csv"]' ] ||
        fail "info --json: $got"
    got=$(json_get 'd["parameters"]' <"$OUT")
    # E 20*10*3 + K 2*3*5*3 + b 2
    [ "$got" = $((20 * 10 * 3 + 2 * 3 * 5 * 3 + 2)) ] || fail "parameters $got"
}

test_model_init_continues() {
    write_field f.csv
    run ge fit f.csv -o a.bin --epochs 20 --seed 1 --size 16,8 --smooth 1
    expect_rc 0
    run ge fit f.csv --init a.bin -o b.bin --epochs 20 --smooth 1
    expect_rc 0
    expect_err 'grid 16x8 cells'
    run ge eval a.bin f.csv --json
    local ra rb
    ra=$(awk -F'"rmse": ' '{ split($NF, a, /[,}]/); print a[1] }' "$OUT")
    run ge eval b.bin f.csv --json
    rb=$(awk -F'"rmse": ' '{ split($NF, a, /[,}]/); print a[1] }' "$OUT")
    expect_num "$rb" '<' "$ra"
    # the shape comes from the model
    run ge fit f.csv --init a.bin -o c.bin --size 8,8 --smooth 1
    expect_rc 2
    expect_error_line '^geoembed: .*--size.*--init'
    expect_no_file c.bin
}

test_model_init_wrong_outputs() {
    fixture_model
    printf 'lon,lat,w\n1,2,3\n4,5,6\n' >one.csv
    run ge fit one.csv --init field.bin -o out.bin --smooth 1
    expect_rc 1
    expect_error_line '^geoembed: field\.bin: .*outputs'
    expect_no_file out.bin
}

test_model_truncated() {
    fixture_model
    local n
    n=$(file_size field.bin)
    head -c 1000 field.bin >t1000.bin
    expect_model_refused t1000.bin '.*(truncated|damaged|corrupt)'
    head -c $((n - 1)) field.bin >tcrc.bin
    expect_model_refused tcrc.bin '.*(truncated|damaged|corrupt)'
}

test_model_truncated_header() {
    fixture_model
    local k
    for k in 0 4 8 11 20 31 32 35; do
        head -c "$k" field.bin >t$k.bin
        run ge info t$k.bin
        expect_rc 1
        expect_error_line "^geoembed: t$k\\.bin: "
    done
    expect_model_refused t20.bin '.*(truncated|not a geoembed model)'
}

test_model_corrupted_middle() {
    fixture_model
    local n
    n=$(file_size field.bin)
    cp field.bin c.bin
    flip_byte c.bin $((n / 2))
    cmp -s c.bin field.bin && fail "flip_byte did not change the file"
    expect_model_refused c.bin '.*(corrupt|damaged|checksum)'
}

test_model_corrupted_every_region() {
    # one flipped byte anywhere is refused: header fields, payload, checksum
    fixture_model
    local n off
    n=$(file_size field.bin)
    for off in 0 7 9 12 16 24 32 33 $((n / 3)) $((n - 5)) $((n - 1)); do
        cp field.bin c.bin
        flip_byte c.bin "$off"
        run ge info c.bin
        [ "$RC" -eq 1 ] || fail "byte $off flipped: exit $RC, expected 1: $(err1)"
        expect_error_line '^geoembed: c\.bin: '
    done
}

test_model_trailing_garbage() {
    fixture_model
    cp field.bin g.bin
    printf 'extra bytes' >>g.bin
    expect_model_refused g.bin '.*'
}

test_model_foreign_csv() {
    fixture_model
    cp field.csv notamodel.csv
    expect_model_refused notamodel.csv '.*not a geoembed model'
}

test_model_foreign_random() {
    fixture_model
    head -c 70000 /dev/urandom >rnd.bin
    expect_model_refused rnd.bin '.*not a geoembed model'
}

test_model_foreign_geotiff() {
    fixture_model
    run ge predict field.bin --grid g.tif
    expect_rc 0
    run ge info g.tif
    expect_rc 1
    expect_error_line '^geoembed: g\.tif: .*not a geoembed model'
}

test_model_empty() {
    fixture_model
    : >empty.bin
    expect_model_refused empty.bin '.*(empty|truncated|not a geoembed model)'
}

test_model_missing() {
    fixture_model
    expect_model_refused nope.bin '.*(No such file|cannot open)'
}

test_model_directory() {
    fixture_model
    mkdir d.bin
    run ge info d.bin
    expect_rc 1
    expect_error_line '^geoembed: d\.bin: '
    run ge predict d.bin --grid g.csv
    expect_rc 1
    expect_error_line '^geoembed: d\.bin: '
    expect_no_file g.csv
}

test_model_newer_version() {
    fixture_model
    cp field.bin v.bin
    # u32 little-endian at offset 8: 99 (the checksum is not recomputed)
    printf '\143\000\000\000' | dd of=v.bin bs=1 seek=8 conv=notrunc 2>/dev/null
    expect_model_refused v.bin '.*'
    run ge info v.bin
    expect_error_line '^geoembed: v\.bin: .*(version|corrupt|damaged|checksum)'
}

# With the checksum recomputed (python3's zlib), only the version is wrong:
# the message must say so.
test_model_newer_version_valid_crc() {
    need python3
    fixture_model
    python3 - field.bin v.bin <<'EOF' || fail "python3 could not patch the model"
import struct, sys, zlib
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<I", b, 8, 99)
struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])) & 0xffffffff)
open(sys.argv[2], "wb").write(b)
EOF
    expect_model_refused v.bin '.*version 99'
}

# A version 2 file (the payload ends after the coverage) still loads and
# predicts the same; version 4 bytes labelled 2 do not.
test_model_version_2_still_loads() {
    need python3
    write_field field.csv
    ge fit field.csv -o field.bin --smooth 1 --draws 0 -q || fail "fit"
    python3 - field.bin v2.bin bad.bin <<'EOF' || fail "python3 could not rewrite the model"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
plen, zlen = struct.unpack_from("<QQ", b, 16)
p = zlib.decompress(b[32:32 + zlen])
assert p[-16:] == b"\0" * 16  # no transform, spread, covariates (version 3), grid (4)
def wrap(payload, version):
    z = zlib.compress(payload, 9)
    body = b"GEOEMBED" + struct.pack("<IIQQ", version, 0, len(payload), len(z)) + z
    return body + struct.pack("<I", zlib.crc32(body) & 0xffffffff)
open(sys.argv[2], "wb").write(wrap(p[:-16], 2))
open(sys.argv[3], "wb").write(wrap(p, 2))
EOF
    write_points p.csv 20
    ge predict field.bin p.csv >a.csv || fail "predict v4"
    run ge predict v2.bin p.csv
    expect_rc 0
    cmp -s a.csv "$OUT" || fail "the version 2 file predicts otherwise"
    run ge info v2.bin
    expect_out 'format version 2'
    expect_model_refused bad.bin '.*unexpected data after the parameters'
}

# Header sizes that lie, with a valid checksum: refused, no huge allocation.
test_model_lying_sizes_valid_crc() {
    need python3
    fixture_model
    python3 - field.bin <<'EOF' || fail "python3 could not patch the model"
import struct, sys, zlib
src = open(sys.argv[1], "rb").read()
def patch(name, off, fmt, val):
    b = bytearray(src)
    struct.pack_into(fmt, b, off, val)
    struct.pack_into("<I", b, len(b) - 4, zlib.crc32(bytes(b[:-4])) & 0xffffffff)
    open(name, "wb").write(b)
patch("flags.bin", 12, "<I", 1)
patch("usize_huge.bin", 16, "<Q", 2**63)
patch("usize_small.bin", 16, "<Q", 10)
patch("csize_huge.bin", 24, "<Q", 2**62)
patch("csize_small.bin", 24, "<Q", 5)
# a valid zlib stream of a payload that is garbage
b = bytearray(src[:32])
payload = zlib.compress(b"\xff" * 4000)
struct.pack_into("<Q", b, 16, 4000)
struct.pack_into("<Q", b, 24, len(payload))
b += payload
b += struct.pack("<I", zlib.crc32(bytes(b)) & 0xffffffff)
open("garbage_payload.bin", "wb").write(b)
EOF
    local f
    for f in flags usize_huge usize_small csize_huge csize_small garbage_payload; do
        run ge info $f.bin
        [ "$RC" -eq 1 ] || fail "$f.bin: exit $RC, expected 1: $(err1)"
        expect_error_line "^geoembed: $f\\.bin: "
    done
}

# Damaged payloads behind a valid zlib stream and checksum, so that only the
# decoder's own checks stand between them and a model: every one is either a
# valid model (a parameter byte changed) or refused with one line.
test_model_payload_fuzz() {
    slow
    need python3
    fixture_model
    python3 - field.bin <<'PY' || fail "python3 could not patch the model"
import random, struct, sys, zlib
src = open(sys.argv[1], "rb").read()
payload = bytearray(zlib.decompress(src[32:-4]))
rng = random.Random(1)
# the shape (8 i32, 4 f64) and the CRS length; after the CRS text, the other
# strings and the settings; the end of the parameters
wkt_end = 68 + struct.unpack_from("<I", payload, 64)[0]
offsets = list(range(0, 68)) + list(range(wkt_end, wkt_end + 220)) + \
    list(range(len(payload) - 8, len(payload)))
for k in range(40):
    p = bytearray(payload)
    off = rng.choice(offsets)
    p[off] ^= rng.choice([0x01, 0x80, 0xff, 0x7f])
    z = zlib.compress(bytes(p))
    b = bytearray(src[:32])
    struct.pack_into("<Q", b, 16, len(p))
    struct.pack_into("<Q", b, 24, len(z))
    b += z
    b += struct.pack("<I", zlib.crc32(bytes(b)) & 0xffffffff)
    open("fz%02d.bin" % k, "wb").write(b)
PY
    printf 'lon,lat\n0,0\n10,20\n-170,-80\n' >p.csv
    local f refused=0
    for f in fz*.bin; do
        run ge info "$f"
        case $RC in
        0) ;;
        1) expect_error_line "^geoembed: $f: "; refused=$((refused + 1)) ;;
        *) fail "$f: info exit $RC: $(err1)" ;;
        esac
        if [ "$RC" -eq 0 ]; then
            run ge predict "$f" p.csv
            [ "$RC" -le 1 ] || fail "$f: predict exit $RC: $(err1)"
        fi
    done
    expect_num "$refused" '>=' 5
}

# A model whose CRS text is damaged (with a valid checksum) is refused, not
# used to write outputs without a CRS.
test_model_with_unreadable_crs_is_refused() {
    need python3
    fixture_model
    python3 - field.bin bad.bin <<'PY' || fail "could not build the damaged model"
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
payload = bytearray(zlib.decompress(b[32:-4]))
# shape: 8 int32 + 4 float64 = 64 bytes, then the CRS: u32 length + WKT bytes
n = struct.unpack_from("<I", payload, 64)[0]
assert n > 20
payload[68:68 + n] = b"X" * n
z = zlib.compress(bytes(payload))
head = b[:16] + struct.pack("<QQ", len(payload), len(z))
body = head + z
open(sys.argv[2], "wb").write(body + struct.pack("<I", zlib.crc32(body)))
PY
    run ge info bad.bin
    expect_rc 0
    expect_out 'CRS: +unknown'
    run ge predict bad.bin --grid out.tif
    expect_rc 1
    expect_error_line "bad\.bin: the model's CRS cannot be read"
    expect_no_file out.tif
}
