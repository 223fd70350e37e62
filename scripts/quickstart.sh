#!/bin/sh
# First run on a fresh Debian 12 machine (as root): install what is missing,
# build geoembed, and run the force-field example end to end.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -j2 geoembed
examples/force_field/run.sh ./geoembed examples/force_field/out
