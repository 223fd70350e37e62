# geoembed plot: colour maps per target, arrows for a vector pair, written as
# PNG, SVG or PDF through cairo. PNGs are decoded here with the python3
# standard library (zlib + struct) and checked at places computed from the
# layout that `plot -v` prints; SVGs are parsed with xml.etree.
# shellcheck shell=bash

# png_probe FILE QUERY...: one line per query about an 8-bit RGB PNG.
#   size            "W H"
#   px X Y          "R G B" of pixel (X, Y)
#   count R G B     pixels of exactly that colour
#   ink X0 Y0 X1 Y1 ink (255 minus the lightest channel) summed over the box
#   dark X0 Y0 X1 Y1   pixels of the box whose channels are all below 100
#   white X0 Y0 X1 Y1  pixels of the box that are pure white
#   arrow X Y W H NX NY FX FY
#               "DX DY": in a plot area at X,Y of W x H pixels holding NX x NY
#               arrows, the arrow nearest the fractions FX, FY (0 0: top
#               left): the offset of its ink's centroid from the arrow's centre
#               (the head carries more ink than the tail, so this points along
#               the arrow; y down)
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
ink = lambda x, y: 255 - max(px(x, y))

def box(a):
    x0, y0, x1, y1 = (int(round(float(v))) for v in a)
    return [(x, y) for y in range(max(y0, 0), min(y1, h - 1) + 1)
            for x in range(max(x0, 0), min(x1, w - 1) + 1)]

for q in sys.argv[2:]:
    a = q.split()
    if a[0] == "size":
        print(w, h)
    elif a[0] == "px":
        print(*px(int(a[1]), int(a[2])))
    elif a[0] == "count":
        want = tuple(int(v) for v in a[1:4])
        print(sum(1 for y in range(h) for x in range(w) if px(x, y) == want))
    elif a[0] == "ink":
        print(sum(ink(x, y) for x, y in box(a[1:5])))
    elif a[0] == "dark":
        print(sum(1 for x, y in box(a[1:5]) if max(px(x, y)) < 100))
    elif a[0] == "white":
        print(sum(1 for x, y in box(a[1:5]) if px(x, y) == (255, 255, 255)))
    elif a[0] == "arrow":
        X, Y, W, H, NX, NY, FX, FY = (float(v) for v in a[1:9])
        sx, sy = W / NX, H / NY
        i = min(int(FX * W / sx), int(NX) - 1)
        j = min(int(FY * H / sy), int(NY) - 1)
        cx, cy = X + (i + 0.5) * sx, Y + (j + 0.5) * sy
        pts = box([cx - sx / 2 + 1, cy - sy / 2 + 1, cx + sx / 2 - 1, cy + sy / 2 - 1])
        tot = sum(ink(x, y) for x, y in pts)
        if tot == 0:
            fail("no arrow at %g %g" % (FX, FY))
        mx = sum(ink(x, y) * (x + 0.5) for x, y in pts) / tot
        my = sum(ink(x, y) * (y + 0.5) for x, y in pts) / tot
        print("%.3f %.3f" % (mx - cx, my - cy))
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

# panel_area N: "X Y W H" of panel N from the -v messages in $ERR.
panel_area() {
    sed -n "s/.*plot: panel $1: .* at \([0-9]*\),\([0-9]*\) \([0-9]*\)x\([0-9]*\) pixels$/\1 \2 \3 \4/p" "$ERR"
}

# arrow_grid N: "NX NY" of the arrows of panel N.
arrow_grid() {
    sed -n "s/.*plot: panel $1: .*, \([0-9]*\) x \([0-9]*\) arrows,.*/\1 \2/p" "$ERR"
}

# pixel_of X Y AREA EXTERIOR: the pixel "PX PY" of the model point (X, Y) in a
# plot area "X Y W H" showing the exterior "XMIN YMIN WIDTH HEIGHT".
pixel_of() {
    awk -v x="$1" -v y="$2" -v a="$3" -v e="$4" 'BEGIN {
        split(a, r, " "); split(e, b, " ")
        printf "%d %d\n", r[1] + (x - b[1]) / b[3] * r[3], r[2] + (b[2] + b[4] - y) / b[4] * r[4] }'
}

exterior() {
    ge info "$1" --json | json_get '" ".join(str(v) for v in d["exterior"])'
}

# model_of PX PY AREA EXTERIOR: the model point "X Y" at the centre of pixel
# (PX, PY) of a plot area (the inverse of pixel_of).
model_of() {
    awk -v px="$1" -v py="$2" -v a="$3" -v e="$4" 'BEGIN {
        split(a, r, " "); split(e, b, " ")
        printf "%.9g %.9g\n", b[1] + (px + 0.5 - r[1]) / r[3] * b[3], b[2] + b[4] - (py + 0.5 - r[2]) / r[4] * b[4] }'
}

# bar_range N: "LO HI" of the colour bar of panel N, from the -v messages in $ERR.
bar_range() {
    sed -n "s/.*plot: panel $1: .*, colours from \([^ ]*\) to \([^ ]*\), at .*/\1 \2/p" "$ERR"
}

# viridis_at V LO HI: "R G B" of V on a viridis bar from LO to HI (the stops
# of plot_colour.c, linearly interpolated).
viridis_at() {
    awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN {
        split("68 71 59 44 33 39 92 170 253", R, " "); split("1 44 81 113 144 173 200 220 231", G, " ")
        split("84 122 139 142 141 129 99 50 37", B, " ")
        t = (v - lo) / (hi - lo); t = t < 0 ? 0 : t > 1 ? 1 : t
        p = t * 8; i = int(p); if (i > 7) i = 7; f = p - i
        printf "%d %d %d\n", R[i + 1] + (R[i + 2] - R[i + 1]) * f + 0.5,
            G[i + 1] + (G[i + 2] - G[i + 1]) * f + 0.5, B[i + 1] + (B[i + 2] - B[i + 1]) * f + 0.5 }'
}

# A small planar data set of three targets:
#   a = 1 + small gradient, b = small (so (a, b) points east), c = x/100
write_flow() {
    awk 'BEGIN { print "x,y,a,b,c"
        for (i = 0; i < 12; i++) for (j = 0; j < 8; j++) {
            x = i * 10 + 5; y = j * 10 + 5
            printf "%g,%g,%g,%g,%g\n", x, y, 1 + 0.002 * x, 0.1 * sin(y / 20), x / 100 } }' >"$1"
}

# t = x on [0, 100] x [0, 50], in the column named $2 (default t)
write_linear() {
    awk -v n="${2:-t}" 'BEGIN { print "x,y," n
        for (i = 0; i <= 20; i++) for (j = 0; j <= 10; j++) printf "%g,%g,%g\n", 5 * i, 5 * j, 5 * i }' >"$1"
}

linear_model() {
    write_linear lin.csv "${1:-t}"
    ge fit lin.csv -o lin.bin -q || fail "fit lin.csv"
}

# ---- what is drawn ------------------------------------------------------

test_plot_quiver_default() {
    need python3
    fixture_model
    run ge plot field.bin -o q.png -v
    expect_rc 0
    expect_file q.png
    expect_no_tmp
    expect_err 'panel 1: \(u, v\), [0-9]+ x [0-9]+ arrows'
    grep -q 'panel 2' "$ERR" && fail "u, v drawn as more than one panel"
    local w h x y aw ah nx ny
    read -r w h <<<"$(png_probe q.png size)" || fail "cannot decode q.png"
    [ "$w" = 800 ] || fail "width $w, expected 800 (the default)"
    expect_num "$h" '>' 360
    expect_num "$h" '<' 520
    read -r x y aw ah <<<"$(panel_area 1)"
    # the plot area keeps the exterior's aspect ratio (360 x 180 degrees)
    expect_close "$((aw * 100 / ah))" 200 0.03
    expect_num "$aw" '>' 550
    # one arrow per 25 pixels or so
    read -r nx ny <<<"$(arrow_grid 1)"
    expect_close "$nx" "$((aw / 25))" 0.1
    expect_close "$ny" "$((ah / 25))" 0.15
    # paper in the margins
    expect_rgb "$(png_probe q.png 'px 0 0')" "255 255 255" 0 "top-left margin pixel"
    expect_rgb "$(png_probe q.png "px $((w - 1)) $((h - 1))")" "255 255 255" 0 "bottom-right margin pixel"
    # the scale key right of the plot area: ink there, paper below it
    expect_num "$(png_probe q.png "ink $((x + aw + 5)) $y $((x + aw + 40)) $((y + 30))")" '>' 1000
    expect_num "$(png_probe q.png "ink $((x + aw + 5)) $((y + 60)) $((w - 1)) $((y + ah))")" '==' 0
}

# u = cos(2 lon), v = sin(2 lat): at lon 0 the arrows point north-east at
# lat 45 and south-east at lat -45; at lon -90 north-west at lat 45
test_plot_quiver_directions() {
    need python3
    fixture_model
    run ge plot field.bin -o q.png -v
    expect_rc 0
    local area grid dx dy
    area=$(panel_area 1)
    grid=$(arrow_grid 1)
    read -r dx dy <<<"$(png_probe q.png "arrow $area $grid 0.5 0.25")"
    expect_num "$dx" '>' 0.5
    expect_num "$dy" '<' -0.5
    read -r dx dy <<<"$(png_probe q.png "arrow $area $grid 0.5 0.75")"
    expect_num "$dx" '>' 0.5
    expect_num "$dy" '>' 0.5
    read -r dx dy <<<"$(png_probe q.png "arrow $area $grid 0.25 0.25")"
    expect_num "$dx" '<' -0.5
    expect_num "$dy" '<' -0.5
}

# Two targets not named like components are two colour maps, not arrows;
# --vector makes them arrows, and they point where (a, b) does.
test_plot_two_scalars_two_panels() {
    need python3
    write_flow flow.csv
    ge fit flow.csv --target a,b -o ab.bin -q || fail "fit"
    run ge plot ab.bin -o ab.png -v
    expect_rc 0
    expect_err 'panel 1: a, colours from'
    expect_err 'panel 2: b, colours from'
    local w h
    read -r w h <<<"$(png_probe ab.png size)"
    [ "$w" = 1200 ] || fail "two panels side by side: width $w, expected 1200"
    run ge plot ab.bin -o east.png -v --vector a,b
    expect_rc 0
    expect_err 'panel 1: \(a, b\), [0-9]+ x [0-9]+ arrows'
    local area grid dx dy
    area=$(panel_area 1)
    grid=$(arrow_grid 1)
    read -r dx dy <<<"$(png_probe east.png "arrow $area $grid 0.5 0.5")"
    expect_num "$dx" '>' 1
    expect_num "$dy" '<' 0.5
    expect_num "$dy" '>' -0.5
    # (b, a) points north: up
    run ge plot ab.bin -o north.png -v --vector b,a
    expect_rc 0
    read -r dx dy <<<"$(png_probe north.png "arrow $(panel_area 1) $(arrow_grid 1) 0.5 0.5")"
    expect_num "$dy" '<' -1
    expect_num "$dx" '<' 0.5
    expect_num "$dx" '>' -0.5
}

test_plot_component_names() {
    local pair shown
    for pair in East,North dx,dy V,U; do
        shown=$pair
        [ "$pair" = V,U ] && shown=U,V # east first
        awk -v p="$pair" 'BEGIN { print "x,y," p
            for (i = 0; i < 8; i++) for (j = 0; j < 6; j++) printf "%d,%d,%g,%g\n", i, j, 1 + i / 10, 0.5 + j / 20 }' >c.csv
        ge fit c.csv -o c.bin -q || fail "fit $pair"
        run ge plot c.bin -o c.png -v
        expect_rc 0
        expect_err "panel 1: \\(${shown%,*}, ${shown#*,}\\), .* arrows"
        # none: each a colour map
        run ge plot c.bin -o c.png -v --vector none
        expect_rc 0
        expect_err "panel 2: ${pair#*,}, colours"
    done
    # three targets: a colour map each, in a row
    write_flow flow.csv
    ge fit flow.csv -o abc.bin -q || fail "fit"
    run ge plot abc.bin -o abc.png -v
    expect_rc 0
    expect_err 'panel 3: c, colours'
    grep -q arrows "$ERR" && fail "three scalar targets drawn with arrows"
    # one of them
    run ge plot abc.bin -o c.png -v --target c
    expect_rc 0
    expect_err 'panel 1: c, colours'
    grep -q 'panel 2' "$ERR" && fail "--target c drew more than one panel"
    return 0
}

# t = x: the colour at a place is the colour of its value.
test_plot_colour_map() {
    need python3
    linear_model
    run ge plot lin.bin -o lin.png --size 600,400 -v --vmin 0 --vmax 100
    expect_rc 0
    [ "$(png_probe lin.png size)" = "600 400" ] || fail "size $(png_probe lin.png size), expected 600 400"
    local area ext px py
    area=$(panel_area 1)
    ext=$(exterior lin.bin)
    # viridis at 0, 0.5 and 1 (t = 0, 50, 100)
    read -r px py <<<"$(pixel_of 50 25 "$area" "$ext")"
    expect_rgb "$(png_probe lin.png "px $px $py")" "33 144 141" 12 "t = 50"
    read -r px py <<<"$(pixel_of 50 45 "$area" "$ext")"
    expect_rgb "$(png_probe lin.png "px $px $py")" "33 144 141" 12 "t = 50 (top)"
    read -r px py <<<"$(pixel_of 1 25 "$area" "$ext")"
    expect_rgb "$(png_probe lin.png "px $px $py")" "68 1 84" 12 "t = 0"
    read -r px py <<<"$(pixel_of 99 25 "$area" "$ext")"
    expect_rgb "$(png_probe lin.png "px $px $py")" "253 231 37" 12 "t = 100"
    # cividis, and a diverging map centred on 0 (white at t = 50 of t - 50)
    run ge plot lin.bin -o civ.png -v --vmin 0 --vmax 100 --cmap cividis
    expect_rc 0
    read -r px py <<<"$(pixel_of 1 25 "$(panel_area 1)" "$ext")"
    expect_rgb "$(png_probe civ.png "px $px $py")" "0 34 78" 12 "cividis at t = 0"
    run ge plot lin.bin -o div.png -v --vmin -50 --vmax 150 --cmap diverging
    expect_rc 0
    read -r px py <<<"$(pixel_of 50 25 "$(panel_area 1)" "$ext")"
    expect_rgb "$(png_probe div.png "px $px $py")" "247 247 247" 15 "diverging at its middle"
    # the diverging map's own range is symmetric about zero
    run ge plot lin.bin -o div.png -v --cmap diverging
    expect_rc 0
    expect_err 'colours from -([0-9.]+) to \1,'
}

test_plot_log_scale() {
    need python3
    awk 'BEGIN { print "x,y,pb"
        for (i = 0; i <= 20; i++) for (j = 0; j <= 10; j++) printf "%g,%g,%g\n", 5 * i, 5 * j, 10 ^ (i / 5) }' >pb.csv
    ge fit pb.csv -o pb.bin -q || fail "fit"
    run ge plot pb.bin -o pb.png -v --log --vmin 1 --vmax 10000 --units mg/kg
    expect_rc 0
    expect_err 'colours from 1 to 10000'
    # 10^2 sits in the middle of a bar from 1 to 10^4
    local px py
    read -r px py <<<"$(pixel_of 50 25 "$(panel_area 1)" "$(exterior pb.bin)")"
    expect_rgb "$(png_probe pb.png "px $px $py")" "33 144 141" 25 "100 on a log bar from 1 to 10000"
    # values at or below zero have no logarithm
    linear_model
    awk -F, 'NR == 1 { print; next } { print $1 "," $2 "," $3 - 50 }' lin.csv >neg.csv
    ge fit neg.csv -o neg.bin -q || fail "fit"
    run ge plot neg.bin -o n.png --log
    expect_rc 2
    expect_error_line '--log: t has values down to'
    run ge plot neg.bin -o n.png --log --vmin 0
    expect_rc 2
    expect_error_line '--log needs --vmin above 0'
    run ge plot neg.bin -o n.png --log --cmap diverging
    expect_rc 2
    expect_error_line '--log does not go with --cmap diverging'
    expect_no_file n.png
    # a range whose width overflows: before, exit 0 and every pixel the
    # lowest colour, the bar without ticks
    run ge plot neg.bin -o n.png --vmin -1e308 --vmax 1e308
    expect_rc 2
    expect_error_line 'range -1e\+308 to 1e\+308 of t is too wide to draw'
    expect_no_file n.png
    run ge plot neg.bin -o n.png --vmin -inf
    expect_rc 2
    expect_error_line '--vmin expects a finite number, got .-inf.'
}

test_plot_contours() {
    need python3
    linear_model
    run ge plot lin.bin -o plain.png -v
    expect_rc 0
    local x y w h
    read -r x y w h <<<"$(panel_area 1)"
    run ge plot lin.bin -o lines.png -v --contours 5
    expect_rc 0
    # t = x: vertical lines at 20, 40, 60, 80; a dark column at x = 40
    local a b px py
    read -r px py <<<"$(pixel_of 40 25 "$x $y $w $h" "$(exterior lin.bin)")"
    a=$(png_probe plain.png "ink $((px - 2)) $((y + 5)) $((px + 2)) $((y + h - 5))")
    b=$(png_probe lines.png "ink $((px - 2)) $((y + 5)) $((px + 2)) $((y + h - 5))")
    expect_num "$b" '>' "$((a + 20 * (h - 10)))"
    # and none halfway between two levels
    read -r px py <<<"$(pixel_of 50 25 "$x $y $w $h" "$(exterior lin.bin)")"
    a=$(png_probe plain.png "ink $((px - 2)) $((y + 5)) $((px + 2)) $((y + h - 5))")
    b=$(png_probe lines.png "ink $((px - 2)) $((y + 5)) $((px + 2)) $((y + h - 5))")
    expect_close "$b" "$a" 0.02
    run ge plot lin.bin -o c.png --contours 0
    expect_rc 2
    expect_error_line '--contours'
}

# The distance rule: far from every sample the map stays blank.
test_plot_empty_places_blank() {
    need python3
    printf 'x,y,t\n' >few.csv
    awk 'BEGIN { for (i = 0; i <= 10; i++) printf "%g,%g,%g\n", i, i % 2, i }' >>few.csv
    printf '0,100,0\n10,100,10\n' >>few.csv
    ge fit few.csv -o few.bin -q || fail "fit"
    run ge plot few.bin -o few.png -v --max-distance 3
    expect_rc 0
    local x y w h white
    read -r x y w h <<<"$(panel_area 1)"
    # the middle of the exterior (y about 50) is far from every sample: white
    white=$(png_probe few.png "white $x $((y + h * 3 / 10)) $((x + w - 1)) $((y + h * 7 / 10))")
    expect_num "$white" '>' "$((w * h * 4 / 10 * 95 / 100))"
    run ge plot few.bin -o all.png -v --max-distance none
    expect_rc 0
    white=$(png_probe all.png "white $x $((y + h * 3 / 10)) $((x + w - 1)) $((y + h * 7 / 10))")
    expect_num "$white" '==' 0
    # --mask: outside the polygon (x above 5) blank, inside drawn
    printf '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[-50,-50],[5,-50],[5,150],[-50,150],[-50,-50]]]}}]}\n' >left.geojson
    run ge plot few.bin -o masked.png -v --max-distance none --mask left.geojson
    expect_rc 0
    local px
    read -r px _ <<<"$(pixel_of 5 0 "$x $y $w $h" "$(exterior few.bin)")"
    expect_num "$(png_probe masked.png "white $((px + 2)) $y $((x + w - 1)) $((y + h - 1))")" '==' "$(((x + w - px - 2) * h))"
    expect_num "$(png_probe masked.png "white $x $y $((px - 2)) $((y + h - 1))")" '==' 0
}

# ---- the predictive standard deviation ---------------------------------

# t = x/10 + sin(y/15): a dense block of samples at x 0..30, two far ones
write_clustered() {
    awk 'BEGIN { print "x,y,t"
        for (i = 0; i <= 10; i++) for (j = 0; j <= 20; j++) { x = 3 * i; y = 5 * j
            printf "%g,%g,%.9g\n", x, y, x / 10 + sin(y / 15) }
        printf "60,20,%.9g\n95,40,%.9g\n", 6 + sin(20 / 15), 9.5 + sin(40 / 15) }' >"$1"
}

# std_at MODEL X Y COLUMNS...: those columns of predict --std at (X, Y).
std_at() {
    local m=$1 x=$2 y=$3
    shift 3
    printf 'x,y\n%s,%s\n' "$x" "$y" >at.csv
    ge predict "$m" at.csv --std --max-distance none >at.out 2>at.err ||
        fail "predict --std: $(head -n 1 at.err)"
    python3 - "$@" <<'PY' || fail "predict --std wrote: $(head -c 300 at.out)"
import csv, sys
row = next(csv.DictReader(open("at.out")))
print(" ".join(row[c] for c in sys.argv[1:]))
PY
}

# The std panel beside the value panel: its colour at a place is the colour
# of predict --std there on its own bar, low among the samples, high far away.
test_plot_std_panel() {
    need python3
    write_clustered clu.csv
    ge fit clu.csv -o clu.bin -q || fail "fit clu.csv"
    run ge plot clu.bin -o v.png -v --max-distance none
    expect_rc 0
    local plain
    plain=$(bar_range 1)
    run ge plot clu.bin -o s.png -v --max-distance none --std
    expect_rc 0
    expect_err 'panel 1: t, colours from'
    expect_err 'panel 2: t std, colours from'
    grep -q 'panel 3' "$ERR" && fail "one target with --std drew more than two panels"
    [ "$(bar_range 1)" = "$plain" ] || fail "the value bar changed with --std: $(bar_range 1), was $plain"
    local a1 a2 x1 y1 w1 h1 x2 y2 w2 h2
    a1=$(panel_area 1)
    a2=$(panel_area 2)
    read -r x1 y1 w1 h1 <<<"$a1"
    read -r x2 y2 w2 h2 <<<"$a2"
    [ "$y2 $w2 $h2" = "$y1 $w1 $h1" ] || fail "std panel at $a2, value panel at $a1: not side by side"
    expect_num "$x2" '>' "$((x1 + w1 + 40))"
    [ "$(png_probe s.png size | cut -d' ' -f1)" = 1200 ] || fail "size $(png_probe s.png size), expected 1200 wide"
    local ext lo hi place px py mx my sd sds=()
    ext=$(exterior clu.bin)
    read -r lo hi <<<"$(bar_range 2)"
    expect_num "$lo" '>' 0
    for place in "16 52" "85 90"; do
        # shellcheck disable=SC2086
        read -r px py <<<"$(pixel_of $place "$a2" "$ext")"
        read -r mx my <<<"$(model_of "$px" "$py" "$a2" "$ext")"
        sd=$(std_at clu.bin "$mx" "$my" t_std)
        expect_rgb "$(png_probe s.png "px $px $py")" "$(viridis_at "$sd" "$lo" "$hi")" 12 \
            "std panel at ($place), std $sd on a bar from $lo to $hi"
        sds+=("$sd")
    done
    # among the samples the std is near the bottom of its bar; far from them
    # many times larger
    expect_num "${sds[0]}" '<' "$(awk -v l="$lo" -v h="$hi" 'BEGIN { print l + 0.1 * (h - l) }')"
    expect_num "${sds[1]}" '>' "$(awk -v s="${sds[0]}" 'BEGIN { print 5 * s }')"
    # a diverging map is for values: the std stays on viridis
    run ge plot clu.bin -o d.png -v --max-distance none --std --cmap diverging
    expect_rc 0
    read -r lo hi <<<"$(bar_range 2)"
    read -r px py <<<"$(pixel_of 85 90 "$(panel_area 2)" "$ext")"
    expect_rgb "$(png_probe d.png "px $px $py")" "$(viridis_at "${sds[1]}" "$lo" "$hi")" 12 \
        "std panel with --cmap diverging"
}

# A vector pair's std is the length of its error vector, sqrt(u_std^2 + v_std^2).
test_plot_std_vector() {
    need python3
    fixture_model
    run ge plot field.bin -o uv.png -v --std
    expect_rc 0
    expect_err 'panel 1: \(u, v\), [0-9]+ x [0-9]+ arrows'
    expect_err 'panel 2: \(u, v\) std, colours from'
    grep -q 'panel 3' "$ERR" && fail "u, v with --std drew more than two panels"
    local a ext lo hi place px py mx my us vs len
    a=$(panel_area 2)
    ext=$(exterior field.bin)
    read -r lo hi <<<"$(bar_range 2)"
    for place in "30 10" "-120 -50"; do
        # shellcheck disable=SC2086
        read -r px py <<<"$(pixel_of $place "$a" "$ext")"
        read -r mx my <<<"$(model_of "$px" "$py" "$a" "$ext")"
        printf 'lon,lat\n%s,%s\n' "$mx" "$my" >lonlat.csv
        ge predict field.bin lonlat.csv --std >at.out 2>at.err || fail "predict --std: $(head -n 1 at.err)"
        read -r us vs <<<"$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
            NR == 2 { print $c["u_std"], $c["v_std"] }' at.out)"
        len=$(awk -v u="$us" -v v="$vs" 'BEGIN { print sqrt(u * u + v * v) }')
        expect_rgb "$(png_probe uv.png "px $px $py")" "$(viridis_at "$len" "$lo" "$hi")" 12 \
            "(u, v) std at ($place): u_std $us, v_std $vs on a bar from $lo to $hi"
    done
    # the value options are about values; --cmap picks the std's map
    run ge plot field.bin -o x.png --std --vmin 0
    expect_rc 2
    expect_error_line '--vmin applies to colour maps of values'
    run ge plot field.bin -o x.png --std --cmap diverging
    expect_rc 2
    expect_error_line '--cmap diverging applies to colour maps of values'
    expect_no_file x.png
    run ge plot field.bin -o c.png --std --cmap cividis
    expect_rc 0
    expect_file c.png
}

# No uncertainty in the model, no std panel: an error, not a picture without it.
test_plot_std_needs_uncertainty() {
    write_clustered clu.csv
    ge fit clu.csv -o d0.bin --draws 0 --smooth 1 -q || fail "fit --draws 0"
    ge fit clu.csv -o g.bin --method gradient --epochs 3 --smooth 1 -q || fail "fit gradient"
    local m
    for m in d0.bin g.bin; do
        run ge plot "$m" -o s.png --std
        expect_rc 2
        expect_error_line '^geoembed: plot: --std needs a model that knows its uncertainty'
        expect_no_file s.png
    done
    expect_no_tmp
}

test_plot_std_svg() {
    need python3
    write_clustered clu.csv
    ge fit clu.csv -o clu.bin -q || fail "fit clu.csv"
    run ge plot clu.bin -o s.svg --std --samples clu.csv --contours 4
    expect_rc 0
    python3 - s.svg 2>py.err <<'PY' || fail "s.svg: $(tail -n 1 py.err)"
import re, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns, href = "{http://www.w3.org/2000/svg}", "{http://www.w3.org/1999/xlink}href"
assert root.get("width") == "1200px", root.get("width")
images = {"#" + i.get("id"): i for i in root.iter(ns + "image")}
assert len(images) == 2, "%d images (the value and the std maps)" % len(images)
# where each map is put: matrix(scale, 0, 0, scale, x, y)
placed = []
for u in root.iter(ns + "use"):
    if u.get(href) in images:
        m = [float(v) for v in re.findall(r"[-0-9.e]+", u.get("transform"))]
        placed.append((m[4], m[5], m[0] * float(images[u.get(href)].get("width"))))
assert len(placed) == 2, placed
(x1, y1, w1), (x2, y2, w2) = sorted(placed)
assert y1 == y2 and w1 == w2, placed
assert x2 > x1 + w1, "the std map is not right of the value map: %r" % placed
PY
}

# ---- samples and outlines ----------------------------------------------

test_plot_samples_any_source() {
    need python3
    need ogr2ogr
    fixture_model
    # three points: as a CSV, a GeoJSON in lon/lat, a GeoJSON in Web Mercator
    printf 'name,lon,lat\na,30,10\nb,-100,-40\nc,150,60\n' >three.csv
    ogr2ogr -f GeoJSON -a_srs EPSG:4326 -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat \
        three.geojson three.csv 2>/dev/null || fail "ogr2ogr"
    ogr2ogr -f GeoJSON -t_srs EPSG:3857 merc.geojson three.geojson 2>/dev/null || fail "ogr2ogr 3857"
    grep -q '3339584' merc.geojson || fail "merc.geojson is not in metres"
    local f area ext px py
    ext=$(exterior field.bin)
    for f in three.csv three.geojson merc.geojson; do
        run ge plot field.bin -o s.png -v --samples "$f" --marker-size 9 --marker-alpha 1
        expect_rc 0
        area=$(panel_area 1)
        # on the arrows panel markers are red, beneath the arrows
        read -r px py <<<"$(pixel_of 30 10 "$area" "$ext")"
        expect_rgb "$(png_probe s.png "px $((px + 2)) $((py + 2))")" "214 48 38" 40 "$f: marker at 30E 10N"
        read -r px py <<<"$(pixel_of -100 -40 "$area" "$ext")"
        expect_rgb "$(png_probe s.png "px $((px - 2)) $((py - 2))")" "214 48 38" 40 "$f: marker at 100W 40S"
    done
    # many samples: small, light markers that leave the field visible
    run ge plot field.bin -o many.png -v --samples field.csv
    expect_rc 0
    expect_num "$(png_probe many.png 'count 214 48 38')" '==' 0
}

test_plot_samples_outside_and_errors() {
    fixture_model
    printf 'lon,lat\n0,0\n10,95.5\n' >two.csv
    run ge plot field.bin -o two.png --samples two.csv
    expect_rc 0
    expect_error_line 'plot: 1 of the 2 points of two\.csv lie outside'
    run ge plot field.bin -o x.png --samples missing.csv
    expect_rc 1
    expect_error_line 'missing\.csv'
    expect_no_file x.png
    run ge plot field.bin -o x.png --marker-size 3
    expect_rc 2
    expect_error_line '--marker-size applies to --samples'
    run ge plot field.bin -o x.png --samples two.csv --marker-alpha 2
    expect_rc 2
    expect_error_line '--marker-alpha'
    expect_no_file x.png
    expect_no_tmp
}

test_plot_overlay() {
    need python3
    fixture_model
    # the equator and a box, in Web Mercator: drawn in the model's lon/lat
    cat >lines.geojson <<'EOF'
{"type": "FeatureCollection",
 "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
 "features": [
 {"type": "Feature", "properties": {}, "geometry": {"type": "LineString",
   "coordinates": [[-17000000, 0], [17000000, 0]]}},
 {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
   "coordinates": [[[5000000, 5000000], [8000000, 5000000], [8000000, 8000000], [5000000, 5000000]]]}},
 {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}}
]}
EOF
    run ge plot field.bin -o plain.png -v
    expect_rc 0
    local x y w h py
    read -r x y w h <<<"$(panel_area 1)"
    run ge plot field.bin -o o.png --overlay lines.geojson
    expect_rc 0
    expect_error_line 'lines\.geojson: 1 point features have no outline'
    # along the equator (row of lat 0), much more ink than without
    read -r _ py <<<"$(pixel_of 0 0 "$x $y $w $h" "$(exterior field.bin)")"
    local a b
    a=$(png_probe plain.png "ink $((x + 5)) $((py - 1)) $((x + w - 5)) $((py + 1))")
    b=$(png_probe o.png "ink $((x + 5)) $((py - 1)) $((x + w - 5)) $((py + 1))")
    expect_num "$b" '>' "$((a + 100 * w))"
    run ge plot field.bin -o o.png --overlay lines.geojson --overlay-layer nope
    expect_rc 1
    expect_error_line "no layer 'nope'"
    run ge plot field.bin -o o.png --overlay-layer lines
    expect_rc 2
    expect_error_line '--overlay-layer applies to --overlay'
    run ge plot field.bin -o o.png --overlay missing.geojson
    expect_rc 1
    expect_error_line 'missing\.geojson'
    # nothing to draw (a CSV without geometries; only points): an error, not
    # a picture without the overlay asked for
    run ge plot field.bin -o none.png --overlay field.csv
    expect_rc 1
    expect_error_line "field\.csv: no line or polygon to draw as --overlay \([0-9]+ features: 0 points, the others without a geometry\)"
    expect_no_file none.png
    printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[0,0]}}]}' >pt.geojson
    run ge plot field.bin -o none.png --overlay pt.geojson
    expect_rc 1
    expect_error_line 'pt\.geojson: no line or polygon to draw as --overlay \(1 features: 1 points'
}

# ---- formats, output, determinism --------------------------------------

test_plot_svg_and_pdf() {
    need python3
    linear_model
    run ge plot lin.bin -o lin.svg --contours 4 --samples lin.csv
    expect_rc 0
    expect_quiet
    python3 - lin.svg 2>py.err <<'EOF' || fail "lin.svg: $(tail -n 1 py.err)"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
assert root.get("width") == "800px", root.get("width")
assert root.get("viewBox").split()[2] == "800"
images = list(root.iter(ns + "image"))
assert len(images) == 1, "%d images (the colour map)" % len(images)
paths = list(root.iter(ns + "path"))
assert len(paths) > 20, "%d paths" % len(paths)
EOF
    run ge plot lin.bin -o lin.pdf
    expect_rc 0
    [ "$(head -c 5 lin.pdf)" = "%PDF-" ] || fail "lin.pdf is not a PDF"
    # the format by name, whatever the extension; upper case too
    run ge plot lin.bin -o pic.dat --of svg
    expect_rc 0
    grep -q '<svg' pic.dat || fail "--of svg did not write SVG"
    run ge plot lin.bin -o PIC.SVG
    expect_rc 0
    grep -q '<svg' PIC.SVG || fail "PIC.SVG is not SVG"
    ge plot lin.bin -o - --of svg >out.svg 2>err.txt || fail "plot -o - --of svg failed"
    grep -q '<svg' out.svg || fail "standard output is not SVG"
    run ge plot lin.bin -o pic.jpg
    expect_rc 2
    expect_error_line "no picture format for '\.jpg'"
    run ge plot lin.bin -o pic.png --of gif
    expect_rc 2
    expect_error_line '--of'
    expect_no_file pic.jpg
    expect_no_file pic.png
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
    run ge plot field.bin -o a.svg --size 500
    expect_rc 0
    run ge plot field.bin -o b.svg --size 500 --threads 1
    expect_rc 0
    expect_same a.svg b.svg
}

# The same command writes the same bytes, in every format: PDF carries no
# clock time (cairo would stamp one), the runs straddle a second to show it;
# SOURCE_DATE_EPOCH gives it a creation date of its own.
test_plot_repeatable_bytes() {
    write_clustered clu.csv
    ge fit clu.csv -o clu.bin -q || fail "fit clu.csv"
    local f run
    for run in 1 2; do
        for f in png svg pdf; do
            ge plot clu.bin -o "$run.$f" --std --contours 4 --samples clu.csv --units mg/kg 2>err.txt ||
                fail "plot -o $run.$f: $(head -n 1 err.txt)"
        done
        [ "$run" = 1 ] && sleep 1.1
    done
    for f in png svg pdf; do
        cmp -s "1.$f" "2.$f" || fail "two runs of plot -o x.$f differ: $(cmp "1.$f" "2.$f" 2>&1)"
    done
    grep -aq '/CreationDate' 1.pdf && fail "1.pdf has a creation date: $(grep -a '/CreationDate' 1.pdf)"
    # 1700000000 is 2023-11-14 22:13:20 UTC
    SOURCE_DATE_EPOCH=1700000000 ge plot clu.bin -o e.pdf 2>err.txt || fail "plot: $(head -n 1 err.txt)"
    grep -aq '/CreationDate (20231114221320Z)' e.pdf ||
        fail "e.pdf: $(grep -a '/CreationDate' e.pdf || echo no creation date)"
    local bad
    for bad in 17e8 -5 ' 1' 99999999999999999999; do
        SOURCE_DATE_EPOCH=$bad run ge plot clu.bin -o bad.pdf
        expect_rc 1
        expect_error_line "SOURCE_DATE_EPOCH: expects whole seconds since 1970"
        expect_no_file bad.pdf
    done
    # PNG and SVG carry no date: the variable does not matter to them
    SOURCE_DATE_EPOCH=junk ge plot clu.bin -o j.png --std --contours 4 --samples clu.csv \
        --units mg/kg 2>err.txt || fail "plot -o j.png: $(head -n 1 err.txt)"
    expect_same 1.png j.png
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

# ---- usage errors ------------------------------------------------------

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

test_plot_err_panels() {
    fixture_model
    run ge plot field.bin -o p.png --target w
    expect_rc 2
    expect_error_line "--target: the model has no target 'w' \(targets: u, v\)"
    run ge plot field.bin -o p.png --target u --vector u,v
    expect_rc 2
    expect_error_line '--target draws one colour map, --vector arrows'
    run ge plot field.bin -o p.png --vector u
    expect_rc 2
    expect_error_line '--vector expects two targets'
    run ge plot field.bin -o p.png --vector u,q
    expect_rc 2
    expect_error_line "--vector: the model has no target 'q'"
    # colour options on a picture of arrows only
    local o
    for o in "--cmap cividis" "--vmin 0" "--vmax 1" "--log" "--contours 3"; do
        # shellcheck disable=SC2086
        run ge plot field.bin -o p.png $o
        expect_rc 2
        expect_error_line "${o%% *} applies to colour maps"
    done
    run ge plot field.bin -o p.png --vector none --vmin 1 --vmax 0
    expect_rc 2
    expect_error_line '--vmin 1 is not below --vmax 0'
    run ge plot field.bin -o p.png --target u --vmin 5
    expect_rc 2
    expect_error_line '--vmin 5 is not below the largest value'
    run ge plot field.bin -o p.png --target u --cmap jet
    expect_rc 2
    expect_error_line '--cmap'
    run ge plot field.bin -o p.png --units ''
    expect_rc 2
    expect_error_line '--units'
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
    run ge plot field.bin -o field.bin
    expect_rc 2
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
    # a field that needs covariates at every place has no picture of its own
    awk 'BEGIN { print "x,y,t,elev"; srand(2); for (i = 0; i < 60; i++) {
        x = 100 * rand(); y = 100 * rand(); e = 10 * rand(); printf "%g,%g,%g,%g\n", x, y, x / 10 + e, e } }' >cov.csv
    ge fit cov.csv --target t --covariates elev -o cov.bin -q || fail "fit with covariates"
    run ge plot cov.bin -o p.png
    expect_rc 1
    expect_error_line 'plot: the model has covariates'
    expect_no_file p.png
    expect_no_tmp
}
