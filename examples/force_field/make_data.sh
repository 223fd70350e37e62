#!/bin/sh
# The founding guide's vector field on the globe: U = cos(2 lon), V = sin(2 lat)
# (radians), on the 63 x 32 lattice x = arange(-pi, pi, 0.1), y = arange(-pi/2,
# pi/2, 0.1), written in degrees. Half of the points (a checkerboard) train, the
# other half test; truth.csv holds all 2016.
#   make_data.sh OUTDIR
set -eu
out=${1:-.}
mkdir -p "$out"
awk -v out="$out" 'BEGIN {
    pi = atan2(0, -1); d = 180 / pi
    hdr = "lon,lat,u,v"
    print hdr > (out "/train.csv"); print hdr > (out "/test.csv"); print hdr > (out "/truth.csv")
    for (i = 0; i < 63; i++) for (j = 0; j < 32; j++) {
        x = -pi + 0.1 * i; y = -pi / 2 + 0.1 * j
        line = sprintf("%.17g,%.17g,%.17g,%.17g", x * d, y * d, cos(2 * x), sin(2 * y))
        print line > (out "/truth.csv")
        print line > (out "/" (((i + j) % 2) ? "test.csv" : "train.csv"))
    }
}'
