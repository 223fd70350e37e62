# geoembed plot: a quiver plot of two-output models, a colour map of one-output
# models, written as PNG. The pictures are decoded here with the python3
# standard library (zlib + struct) and checked for their size, a few pixels,
# and which way the arrows point.
# shellcheck shell=bash

# png_probe FILE QUERY...: one line per query about an 8-bit RGB PNG.
#   size        "W H"
#   px X Y      "R G B" of pixel (X, Y)
#   count R G B pixels of exactly that colour
#   area        the plot area "X0 Y0 X1 Y1" (inclusive): the bounding box of the
#               quiver background (244, 244, 244) when there is one, else the run
#               of coloured (not grey) pixels through the picture's centre
#   at FX FY    "R G B" at the fractions FX, FY of the plot area (0 0: top left)
#   arrows [FX0 FY0 FX1 FY1]
#               "N DX DY W H": the arrows (connected coloured shapes) inside the
#               plot area, or centred in that part of it; the mean offset of an
#               arrow's centroid from the centre of its bounding box (the head
#               carries more ink than the tail, so this points along the arrow;
#               y down), and the mean box size
png_probe() {
    python3 - "$@" <<'EOF'
import struct, sys, zlib

def fail(msg):
    sys.stderr.write("png_probe: %s\n" % msg)
    sys.exit(1)

def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("%s is not a PNG" % path)
    pos, idat, hdr = 8, [], None
    while pos + 12 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            fail("bad CRC in chunk %r" % kind)
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    if hdr is None:
        fail("no IHDR")
    w, h, depth, ctype, _, _, interlace = hdr
    if (depth, ctype, interlace) != (8, 2, 0):
        fail("not 8-bit RGB non-interlaced: depth %d, colour type %d, interlace %d"
             % (depth, ctype, interlace))
    raw = zlib.decompress(b"".join(idat))
    stride, rows, prev = 3 * w, [], bytearray(3 * w)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
            elif f != 0:
                fail("bad filter %d" % f)
        rows.append(line)
        prev = line
    return w, h, rows

w, h, rows = decode(sys.argv[1])
px = lambda x, y: tuple(rows[y][3 * x:3 * x + 3])
grey = lambda k: k[0] == k[1] == k[2]

def area():
    bg = (244, 244, 244)
    xs, ys = [], []
    for y in range(h):
        r = rows[y]
        for x in range(w):
            if r[3 * x] == 244 and tuple(r[3 * x:3 * x + 3]) == bg:
                xs.append(x)
                ys.append(y)
    if len(xs) > 1000:
        return min(xs), min(ys), max(xs), max(ys)
    cx, cy = w // 2, h // 2
    if grey(px(cx, cy)):
        fail("the picture's centre is not inside a colour map")
    x0, x1, y0, y1 = cx, cx, cy, cy
    while x0 > 0 and not grey(px(x0 - 1, cy)): x0 -= 1
    while x1 < w - 1 and not grey(px(x1 + 1, cy)): x1 += 1
    while y0 > 0 and not grey(px(cx, y0 - 1)): y0 -= 1
    while y1 < h - 1 and not grey(px(cx, y1 + 1)): y1 += 1
    return x0, y0, x1, y1

for q in sys.argv[2:]:
    a = q.split()
    if a[0] == "size":
        print(w, h)
    elif a[0] == "px":
        print(*px(int(a[1]), int(a[2])))
    elif a[0] == "count":
        want = tuple(int(v) for v in a[1:4])
        print(sum(1 for y in range(h) for x in range(w) if px(x, y) == want))
    elif a[0] == "area":
        print(*area())
    elif a[0] == "at":
        x0, y0, x1, y1 = area()
        print(*px(round(x0 + float(a[1]) * (x1 - x0)), round(y0 + float(a[2]) * (y1 - y0))))
    elif a[0] == "arrows":
        x0, y0, x1, y1 = area()
        seen, comps = set(), []
        for y in range(y0, y1 + 1):
            for x in range(x0, x1 + 1):
                if (x, y) in seen or grey(px(x, y)):
                    continue
                stack, pts = [(x, y)], []
                seen.add((x, y))
                while stack:
                    u, v = stack.pop()
                    pts.append((u, v))
                    for du in (-1, 0, 1):
                        for dv in (-1, 0, 1):
                            k = (u + du, v + dv)
                            if (x0 <= k[0] <= x1 and y0 <= k[1] <= y1 and k not in seen
                                    and not grey(px(*k))):
                                seen.add(k)
                                stack.append(k)
                if len(pts) >= 6:
                    comps.append(pts)
        f = [float(v) for v in a[1:5]] if len(a) == 5 else [0, 0, 1, 1]
        wx0, wx1 = x0 + f[0] * (x1 - x0), x0 + f[2] * (x1 - x0)
        wy0, wy1 = y0 + f[1] * (y1 - y0), y0 + f[3] * (y1 - y0)
        kept = []
        for pts in comps:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            if wx0 <= (min(xs) + max(xs)) / 2 <= wx1 and wy0 <= (min(ys) + max(ys)) / 2 <= wy1:
                kept.append(pts)
        comps = kept
        sdx = sdy = sw = sh = 0.0
        for pts in comps:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            sdx += sum(xs) / len(xs) - (min(xs) + max(xs)) / 2
            sdy += sum(ys) / len(ys) - (min(ys) + max(ys)) / 2
            sw += max(xs) - min(xs) + 1
            sh += max(ys) - min(ys) + 1
        n = max(len(comps), 1)
        print(len(comps), "%.3f %.3f %.3f %.3f" % (sdx / n, sdy / n, sw / n, sh / n))
    else:
        fail("unknown query %r" % q)
EOF
}

# expect_rgb "R G B" "R G B" TOL [what]: every channel within TOL.
expect_rgb() {
    awk -v g="$1" -v e="$2" -v t="$3" 'BEGIN {
        n = split(g, a, " "); split(e, b, " ")
        if (n != 3) exit 1
        for (i = 1; i <= 3; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > t) exit 1 }
    }' || fail "${4:-pixel} is ($1), expected ($2) within $3"
}

# A small planar two-, three- and one-output data set:
#   a = 1 + small gradient, b = small (the field points east), c = x/100
write_flow() {
    awk 'BEGIN { print "x,y,a,b,c"
        for (i = 0; i < 12; i++) for (j = 0; j < 8; j++) {
            x = i * 10 + 5; y = j * 10 + 5
            printf "%g,%g,%g,%g,%g\n", x, y, 1 + 0.002 * x, 0.1 * sin(y / 20), x / 100 } }' >"$1"
}

# t = x on [0, 100] x [0, 50]
write_linear() {
    awk 'BEGIN { print "x,y,t"
        for (i = 0; i <= 20; i++) for (j = 0; j <= 10; j++) printf "%g,%g,%g\n", 5 * i, 5 * j, 5 * i }' >"$1"
}

# ---- quiver -------------------------------------------------------------

test_plot_quiver_default() {
    need python3
    fixture_model
    run ge plot field.bin -o q.png
    expect_rc 0
    expect_quiet
    expect_file q.png
    expect_no_tmp
    [ "$(head -c 8 q.png | od -An -c | tr -d ' ')" = '211PNG\r\n032\n' ] || fail "q.png is not a PNG"
    local size w h
    size=$(png_probe q.png size) || fail "cannot decode q.png"
    read -r w h <<<"$size"
    [ "$w" = 800 ] || fail "width $w, expected 800 (the default)"
    # height from the exterior's aspect ratio (the globe: 2:1) plus the margins
    expect_num "$h" '>' 360
    expect_num "$h" '<' 520
    # paper in the margins, the quiver background inside the plot, arrows on it
    expect_rgb "$(png_probe q.png 'px 0 0')" "255 255 255" 0 "top-left margin pixel"
    expect_rgb "$(png_probe q.png "px $((w - 1)) $((h - 1))")" "255 255 255" 0 "bottom-right margin pixel"
    local n x0 y0 x1 y1
    read -r x0 y0 x1 y1 <<<"$(png_probe q.png area)"
    expect_num "$((x1 - x0))" '>' 450
    expect_num "$((y1 - y0))" '>' 220
    # the plot area keeps the exterior's aspect ratio (360 x 180 degrees)
    expect_close "$(((x1 - x0 + 1) * 100 / (y1 - y0 + 1)))" 200 0.03
    # about 32 x 16 arrows
    read -r n _ <<<"$(png_probe q.png arrows)"
    expect_num "$n" '>' 400
    expect_num "$n" '<' 700
}

# u = cos(2 lon), v = sin(2 lat): at lon 0 the arrows point north-east at
# lat 45 and south-east at lat -45; at lon -90 north-west at lat 45
test_plot_quiver_directions() {
    need python3
    fixture_model
    run ge plot field.bin -o q.png
    expect_rc 0
    local n dx dy
    read -r n dx dy _ <<<"$(png_probe q.png 'arrows 0.45 0.2 0.55 0.3')"
    expect_num "$n" '>' 1
    expect_num "$dx" '>' 0.2
    expect_num "$dy" '<' -0.2
    read -r n dx dy _ <<<"$(png_probe q.png 'arrows 0.45 0.7 0.55 0.8')"
    expect_num "$n" '>' 1
    expect_num "$dx" '>' 0.2
    expect_num "$dy" '>' 0.2
    read -r n dx dy _ <<<"$(png_probe q.png 'arrows 0.2 0.2 0.3 0.3')"
    expect_num "$n" '>' 1
    expect_num "$dx" '<' -0.2
    expect_num "$dy" '<' -0.2
}

test_plot_quiver_gdalinfo() {
    need gdalinfo
    fixture_model
    run ge plot field.bin -o q.png --size 640,480
    expect_rc 0
    run gdalinfo q.png
    expect_rc 0
    expect_out 'Driver: PNG'
    expect_out 'Size is 640, 480'
    expect_out 'Band 3 .*Type=Byte'
    grep -q 'Band 4' "$OUT" && fail "more than 3 bands"
    expect_no_file q.png.aux.xml
    return 0
}

test_plot_arrows_point_east() {
    need python3
    write_flow flow.csv
    run ge fit flow.csv --target a,b -o east.bin -q
    expect_rc 0
    run ge plot east.bin -o east.png
    expect_rc 0
    # (a, b) is about (1, 0): wide arrows whose ink leans east, to their heads
    local n dx dy w h
    read -r n dx dy w h <<<"$(png_probe east.png arrows)"
    expect_num "$n" '>' 300
    expect_num "$w" '>' "$((2 * ${h%.*}))"
    expect_num "$dx" '>' 0.4
    expect_num "$dy" '<' 0.2
    expect_num "$dy" '>' -0.2
}

test_plot_arrows_point_north() {
    need python3
    write_flow flow.csv
    run ge fit flow.csv --target b,a -o north.bin -q
    expect_rc 0
    run ge plot north.bin -o north.png
    expect_rc 0
    # (b, a) is about (0, 1): tall arrows whose ink leans up (north is up;
    # rows grow southwards)
    local n dx dy w h
    read -r n dx dy w h <<<"$(png_probe north.png arrows)"
    expect_num "$n" '>' 300
    expect_num "$h" '>' "$((2 * ${w%.*}))"
    expect_num "$dy" '<' -0.4
    expect_num "$dx" '<' 0.2
    expect_num "$dx" '>' -0.2
}

test_plot_more_than_two_outputs() {
    need python3
    write_flow flow.csv
    run ge fit flow.csv -o m3.bin -q
    expect_rc 0
    run ge plot m3.bin -o m3.png
    expect_rc 0
    expect_error_line 'plot: the model has 3 outputs; the arrows show the first two \(a, b\)'
    expect_file m3.png
    local n dx
    read -r n dx _ <<<"$(png_probe m3.png arrows)"
    expect_num "$dx" '>' 0.4
    run ge plot m3.bin -o m3.png -q
    expect_rc 0
    expect_quiet
}

# ---- colour map ---------------------------------------------------------

test_plot_colour_map() {
    need python3
    write_linear lin.csv
    run ge fit lin.csv -o lin.bin -q
    expect_rc 0
    run ge plot lin.bin -o lin.png --size 600,400
    expect_rc 0
    expect_quiet
    [ "$(png_probe lin.png size)" = "600 400" ] || fail "size $(png_probe lin.png size), expected 600 400"
    expect_rgb "$(png_probe lin.png 'px 0 0')" "255 255 255" 0 "margin pixel"
    expect_rgb "$(png_probe lin.png 'px 599 399')" "255 255 255" 0 "margin pixel"
    # t = x: the middle of the map is the middle of the palette (viridis 0.5,
    # teal), its left edge the low end (dark purple), its right edge the high
    # end (yellow)
    expect_rgb "$(png_probe lin.png 'at 0.5 0.5')" "33 144 141" 30 "the map's centre"
    expect_rgb "$(png_probe lin.png 'at 0.5 0.1')" "33 144 141" 30 "the map's top centre"
    expect_rgb "$(png_probe lin.png 'at 0.0 0.5')" "68 1 84" 30 "the map's left edge"
    expect_rgb "$(png_probe lin.png 'at 1.0 0.5')" "253 231 37" 30 "the map's right edge"
    # the plot area fills most of the picture
    local x0 y0 x1 y1
    read -r x0 y0 x1 y1 <<<"$(png_probe lin.png area)"
    expect_num "$((x1 - x0))" '>' 350
    expect_num "$((y1 - y0))" '>' 250
}

test_plot_colour_map_height_from_aspect() {
    need python3
    write_linear lin.csv
    run ge fit lin.csv -o lin.bin -q
    expect_rc 0
    run ge plot lin.bin -o lin.png --size 1000
    expect_rc 0
    local w h x0 y0 x1 y1
    read -r w h <<<"$(png_probe lin.png size)"
    [ "$w" = 1000 ] || fail "width $w, expected 1000"
    read -r x0 y0 x1 y1 <<<"$(png_probe lin.png area)"
    # the exterior's width:height, as printed by info, is the plot area's
    local ratio
    ratio=$(ge info lin.bin --json | json_get 'd["exterior"][2] / d["exterior"][3]')
    expect_close "$(awk -v a=$((x1 - x0 + 1)) -v b=$((y1 - y0 + 1)) 'BEGIN { print a / b }')" "$ratio" 0.02
}

# ---- samples, output, determinism ---------------------------------------

test_plot_samples_overlay() {
    need python3
    fixture_model
    run ge plot field.bin -o plain.png
    expect_rc 0
    run ge plot field.bin -o dots.png --samples field.csv
    expect_rc 0
    expect_quiet
    local a b
    a=$(png_probe plain.png 'count 16 16 16')
    b=$(png_probe dots.png 'count 16 16 16')
    # 500 samples, each a dark disc of a few pixels
    expect_num "$((b - a))" '>' 1000
    # points outside the exterior are counted, not drawn
    printf 'lon,lat\n0,0\n10,95.5\n' >two.csv
    run ge plot field.bin -o two.png --samples two.csv
    expect_rc 0
    expect_error_line 'plot: 1 of the 2 points of two\.csv lie outside'
    run ge plot field.bin -o x.png --samples missing.csv
    expect_rc 1
    expect_error_line 'missing\.csv'
    expect_no_file x.png
    expect_no_tmp
}

test_plot_stdout_and_determinism() {
    fixture_model
    run ge plot field.bin -o a.png --size 500
    expect_rc 0
    ge plot field.bin -o - --size 500 >b.png 2>err.txt || fail "plot -o - failed: $(head -n 1 err.txt)"
    expect_same a.png b.png
    run ge plot field.bin -o c.png --size 500 --threads 1
    expect_rc 0
    expect_same a.png c.png
}

test_plot_replaces_existing_file() {
    fixture_model
    echo old >p.png
    chmod 644 p.png
    run ge plot field.bin -o p.png --size 400
    expect_rc 0
    [ "$(head -c 4 p.png | tail -c 3)" = PNG ] || fail "p.png was not replaced by a PNG"
    expect_no_tmp
    # a new file gets the permissions of the umask, not mkstemp's 0600
    (umask 022 && ge plot field.bin -o new.png --size 400) || fail "plot failed"
    [ "$(stat -c %a new.png)" = 644 ] || fail "new.png has mode $(stat -c %a new.png), expected 644"
}

# ---- errors -------------------------------------------------------------

test_plot_err_missing_output() {
    fixture_model
    run ge plot field.bin
    expect_rc 2
    expect_error_line 'plot: missing -o'
    run ge plot -o p.png
    expect_rc 2
    expect_error_line 'plot: missing MODEL'
    run ge plot field.bin field.bin -o p.png
    expect_rc 2
    expect_error_line 'plot: expects one MODEL'
    expect_no_file p.png
}

test_plot_err_bad_size() {
    fixture_model
    local s
    for s in 10x 0 -5 800.5 800,0 1,2,3 nan 99999; do
        run ge plot field.bin -o p.png --size "$s"
        expect_rc 2
        expect_error_line '--size'
    done
    run ge plot field.bin -o p.png --size 40,30
    expect_rc 2
    expect_error_line 'leaves no room'
    run ge plot field.bin -o p.png --size 16000,16000
    expect_rc 2
    expect_error_line 'too large'
    expect_no_file p.png
}

test_plot_err_unwritable_output() {
    fixture_model
    run ge plot field.bin -o no/such/dir/p.png
    expect_rc 1
    expect_error_line 'no/such/dir/p\.png: cannot write'
    mkdir d
    run ge plot field.bin -o d
    expect_rc 1
    expect_error_line '^geoembed: d: '
    if [ -w /dev/full ]; then
        run ge plot field.bin -o /dev/full
        expect_rc 1
        expect_error_line '/dev/full'
    fi
    expect_no_tmp
    [ -z "$(ls d)" ] || fail "files left in d: $(ls d)"
}

test_plot_err_bad_model() {
    fixture_model
    run ge plot nothing.bin -o p.png
    expect_rc 1
    expect_error_line 'nothing\.bin'
    head -c 100 field.bin >cut.bin
    run ge plot cut.bin -o p.png
    expect_rc 1
    expect_error_line 'cut\.bin'
    run ge plot field.csv -o p.png
    expect_rc 1
    expect_error_line 'field\.csv'
    expect_no_file p.png
    expect_no_tmp
}
