#!/bin/sh
# Two scalar targets, each its own colour map: fit lead and zinc on their
# logarithm, then draw both on logarithmic colour bars with contour lines, the
# samples and the river on top; then lead beside its uncertainty.
#   examples/soil/run.sh [GEOEMBED] [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
geoembed=${1:-$here/../../geoembed}
out=${2:-$here/out}
mkdir -p "$out"

"$here/make_data.sh" "$out"
"$geoembed" fit "$out/samples.csv" --src-crs EPSG:28992 --transform log -o "$out/soil.bin"
"$geoembed" plot "$out/soil.bin" -o "$out/soil.svg" --log --contours 4 --units mg/kg \
    --samples "$out/samples.csv" --overlay "$out/river.geojson"
# lead beside its predictive standard deviation (the model knows it: the
# exact solve with posterior draws)
"$geoembed" plot "$out/soil.bin" -o "$out/soil_std.svg" --target lead --std --log --units mg/kg \
    --samples "$out/samples.csv" --overlay "$out/river.geojson"
echo "wrote $out/soil.svg, $out/soil_std.svg"
