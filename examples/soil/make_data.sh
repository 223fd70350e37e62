#!/bin/sh
# A floodplain survey like the classic Meuse data, made up: 155 topsoil samples
# of lead and zinc (mg/kg) in Dutch RD coordinates (EPSG:28992), high near the
# river that deposited them and skewed like real concentrations, and the
# river's banks as a polygon outline (GeoJSON).
#   make_data.sh OUTDIR
set -eu
out=${1:-.}
mkdir -p "$out"
awk -v out="$out" 'BEGIN {
    srand(15)
    print "x,y,lead,zinc" > (out "/samples.csv")
    for (k = 0; k < 155; k++) {
        x = 178600 + 2800 * rand(); y = 329700 + 3600 * rand()
        # distance to the river, a line from (178600, 333300) to (181400, 329700)
        d = ((x - 178600) * 3600 + (y - 333300) * 2800) / sqrt(3600 ^ 2 + 2800 ^ 2)
        d = d < 0 ? -d : d
        lead = 40 + 350 * exp(-d / 350) * exp(0.3 * (rand() - 0.5))
        zinc = 120 + 1400 * exp(-d / 300) * exp(0.3 * (rand() - 0.5))
        printf "%.1f,%.1f,%.1f,%.1f\n", x, y, lead, zinc > (out "/samples.csv")
    }
    # the banks, 60 m either side of the line
    f = out "/river.geojson"
    printf "{\"type\": \"FeatureCollection\",\n" > f
    printf " \"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:EPSG::28992\"}},\n" > f
    printf " \"features\": [{\"type\": \"Feature\", \"properties\": {\"name\": \"river\"},\n" > f
    printf "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": [[" > f
    nx = 3600 / 4554.1; ny = 2800 / 4554.1
    printf "[%.1f, %.1f], [%.1f, %.1f], [%.1f, %.1f], [%.1f, %.1f], [%.1f, %.1f]",
        178000 - 60 * nx, 334070 - 60 * ny, 182000 - 60 * nx, 328930 - 60 * ny,
        182000 + 60 * nx, 328930 + 60 * ny, 178000 + 60 * nx, 334070 + 60 * ny,
        178000 - 60 * nx, 334070 - 60 * ny > f
    printf "]]}}]}\n" > f
}'
