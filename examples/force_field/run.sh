#!/bin/sh
# The founding guide's experiment, end to end: make the data, fit a model on
# half of the points with geoembed's defaults, write the whole field as a
# GeoTIFF, report the error on the held-out half, and draw the pictures (SVG):
# the truth (all 2016 lattice points), the learned field with its training
# points, the reference model's, and the learned components as colour maps.
#   examples/force_field/run.sh [GEOEMBED] [OUTDIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
geoembed=${1:-$here/../../geoembed}
out=${2:-$here/out}
mkdir -p "$out"

"$here/make_data.sh" "$out"
echo "== fit on $(($(wc -l < "$out/train.csv") - 1)) training points (defaults)"
"$geoembed" fit "$out/train.csv" -o "$out/model.bin"
echo "== the model"
"$geoembed" info "$out/model.bin"
echo "== the whole field as a GeoTIFF"
"$geoembed" predict "$out/model.bin" --grid "$out/field.tif" --size 360,180
echo "wrote $out/field.tif"
echo "== error on the $(($(wc -l < "$out/test.csv") - 1)) held-out points"
"$geoembed" eval "$out/model.bin" "$out/test.csv"
echo "== the reference model (torch_geopooling's setup) on the same split, for comparison"
"$geoembed" fit "$out/train.csv" -o "$out/reference.bin" -q --size 32,63 --features 2 \
    --padding 7 --exterior -180,-90,360,180 --wrap xy --readout cell --smooth 0 --loss l1 \
    --optimizer adam --lr 0.005 --epochs 30 --no-standardize
"$geoembed" eval "$out/reference.bin" "$out/test.csv"
echo "== pictures"
"$geoembed" fit "$out/truth.csv" -o "$out/truth.bin" -q --size 126,64 --smooth 0.01
"$geoembed" plot "$out/truth.bin" -o "$out/truth.svg"
"$geoembed" plot "$out/model.bin" -o "$out/learned.svg" --samples "$out/train.csv"
"$geoembed" plot "$out/reference.bin" -o "$out/reference.svg"
"$geoembed" plot "$out/model.bin" -o "$out/components.svg" --vector none --cmap diverging \
    --contours 4
echo "wrote $out/truth.svg, $out/learned.svg, $out/reference.svg, $out/components.svg"
