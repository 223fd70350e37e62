#!/usr/bin/env bash
# Grid prediction benchmark: an 8192 x 4096 GeoTIFF from a 256x256x4 geoembed
# model, against the same grid from the 100,000 training points with gdal_grid
# (nearest and invdist), side by side in one run: wall time and peak memory
# (GNU time's maximum resident set size) of each, and their ratios. Then a
# 20000 x 10000 grid, to show that memory does not grow with the output.
#
#   bench/grid/run.sh GEOEMBED [RUNS]
# geoembed runs RUNS times (default 3, median); gdal_grid once (GDAL_GRID_RUNS),
# since one invdist run of this size takes about ten minutes.
#
#   bench/grid/run.sh --scale GEOEMBED [RUNS]      (make bench-grid)
# Large grids instead: predict --grid of growing sizes up to 100,000 x 50,000
# pixels (GeoTIFF, the default tiled DEFLATE output), on 1 and 2 threads side
# by side: median wall time of RUNS runs (default 3; BIG_RUNS, default 1, for
# the grids of a billion pixels or more, on BIG_THREADS, default "1 2"), peak
# memory, the output's size, and the 1 / 2 threads speed-up; and one COG
# (COG_SIZE, default 10000x5000, empty for none). BIG_COMPRESS=ZSTD writes the largest grids
# with --co COMPRESS=ZSTD (less CPU than the default DEFLATE). The outputs go to a temporary
# directory (TMPDIR), each removed after its run; the largest takes about 1 GB.
# SIZES (COLSxROWS ...) overrides the sizes. Prints a markdown table and
# writes it, with the machine and the commands, to bench/grid/RESULTS.md.
set -euo pipefail
scale=
if [ "${1:-}" = --scale ]; then
    scale=1
    shift
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ge=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
runs=${2:-3}
gdal_runs=${GDAL_GRID_RUNS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
[ -n "$scale" ] || command -v gdal_grid >/dev/null || { echo "gdal_grid is not installed (gdal-bin)"; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (package time)"; exit 1; }

# 100,000 points on a 100 km square, a smooth field (metres, EPSG:32633).
awk 'BEGIN { srand(42); print "x,y,z"
    for (i = 0; i < 100000; i++) {
        x = 100000 * rand(); y = 100000 * rand()
        printf "%.3f,%.3f,%.6f\n", x, y, sin(x / 9000) + cos(y / 13000) + 0.3 * sin((x + y) / 4000)
    } }' >pts.csv
cat >pts.vrt <<'VRT'
<OGRVRTDataSource><OGRVRTLayer name="pts"><SrcDataSource>pts.csv</SrcDataSource>
<GeometryType>wkbPoint</GeometryType><LayerSRS>EPSG:32633</LayerSRS>
<GeometryField encoding="PointFromColumns" x="x" y="y"/></OGRVRTLayer></OGRVRTDataSource>
VRT

# measure NAME CMD...: runs CMD $runs times, prints median seconds and max RSS (MB)
measure() {
    local name=$1; shift
    local n=$runs
    case $name in gdal_grid*) n=$gdal_runs ;; esac
    local t rss ts=() rs=()
    for _ in $(seq "$n"); do
        /usr/bin/time -f '%e %M' -o time.txt "$@" >/dev/null 2>&1 || { echo "$name failed"; cat time.txt; exit 1; }
        read -r t rss <time.txt
        ts+=("$t"); rs+=("$rss")
    done
    local med mx
    med=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
    mx=$(printf '%s\n' "${rs[@]}" | sort -g | tail -n 1)
    printf '%s %s %s\n' "$name" "$med" "$((mx / 1024))" >>results.txt
    printf '  %-34s %9.2f s %8d MB\n' "$name" "$med" "$((mx / 1024))"
}

if [ -n "$scale" ]; then
    . "$here/scale.sh"
    exit 0
fi

: >results.txt
echo "grid benchmark: 100,000 points, 8192 x 4096 output; geoembed $runs runs, gdal_grid $gdal_runs (median time, peak RSS)"
ext="-txe 0 100000 -tye 0 100000"
measure "geoembed fit (256x256x4, 100 ep)" "$ge" fit pts.csv --src-crs EPSG:32633 -o m.bin -q \
    --size 256,256 --features 4 --epochs 100 --smooth 0.1 --bbox 0,0,100000,100000
measure "geoembed predict 8192x4096 GTiff" "$ge" predict m.bin --grid ge.tif --size 8192,4096 \
    --bbox 0,0,100000,100000
measure "gdal_grid nearest" gdal_grid -q -a nearest:radius1=2000:radius2=2000 -zfield z \
    $ext -outsize 8192 4096 -ot Float32 -co TILED=YES -co COMPRESS=DEFLATE -l pts pts.vrt nn.tif
measure "gdal_grid invdist (r 2 km, 12 pts)" gdal_grid -q \
    -a invdist:power=2:radius1=2000:radius2=2000:max_points=12 -zfield z $ext -outsize 8192 4096 \
    -ot Float32 -co TILED=YES -co COMPRESS=DEFLATE -l pts pts.vrt idw.tif
measure "geoembed predict 20000x10000 GTiff" "$ge" predict m.bin --grid big.tif --size 20000,10000 \
    --bbox 0,0,100000,100000
awk 'NR == 2 { gt = $(NF-1); gm = $NF }
     /gdal_grid/ { printf "  ratio %-28s time x%.1f (gdal_grid / geoembed predict), memory x%.2f\n", \
         $1" "$2, $(NF-1) / gt, $NF / gm }' results.txt
big=$(awk '/20000x10000/ { print $NF }' results.txt)
echo "  20000x10000 grid peak memory: ${big} MB (target: under 300 MB)"
