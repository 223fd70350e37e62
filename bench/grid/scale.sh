# Large grids for `bench/grid/run.sh --scale` (make bench-grid), sourced by
# run.sh after it has written the 100,000 training points (pts.csv) in its
# temporary working directory; uses its $ge, $runs and $here.
#
# Each measurement: predict --grid at one size and thread count, RUNS times
# (BIG_RUNS for a billion pixels or more), median wall time and the largest
# peak RSS (GNU time), the output's size; the output is removed after each run.

big_runs=${BIG_RUNS:-1}
big_threads=${BIG_THREADS:-"1 2"} # thread counts for a billion pixels or more
big_compress=${BIG_COMPRESS:-DEFLATE} # their compression (ZSTD: less CPU)
sizes=${SIZES:-"1000x500 10000x5000 31623x15811 100000x50000"}
start=$(date -u '+%Y-%m-%d %H:%M UTC')
load=$(cut -d' ' -f1-3 /proc/loadavg)
"$ge" fit pts.csv --src-crs EPSG:32633 -o m.bin -q --size 256,256 --features 4 --epochs 100 \
    --smooth 0.1 --bbox 0,0,100000,100000

# median of the numbers on standard input
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# grid COLS ROWS THREADS OUT [OPTIONS...]: "seconds cpu_seconds rss_mb file_mb":
# medians of the times, the largest RSS
grid() {
    local cols=$1 rows=$2 threads=$3 out=$4 n=$runs t u sy rss ts=() cs=() rs=() mb=0
    shift 4
    [ $((cols * rows)) -ge 1000000000 ] && n=$big_runs
    for _ in $(seq "$n"); do
        /usr/bin/time -f '%e %U %S %M' -o time.txt "$ge" predict m.bin --grid "$out" \
            --size "$cols,$rows" --bbox 0,0,100000,100000 --threads "$threads" -q "$@" \
            >/dev/null 2>err.txt || { echo "predict $cols x $rows failed: $(head -n 1 err.txt)" >&2; exit 1; }
        read -r t u sy rss <time.txt
        ts+=("$t"); cs+=("$(awk -v u="$u" -v s="$sy" 'BEGIN { print u + s }')"); rs+=("$rss")
        mb=$(( $(stat -c %s "$out") / 1048576 ))
        rm -f "$out"
    done
    printf '%s %s %s %s\n' "$(printf '%s\n' "${ts[@]}" | median)" "$(printf '%s\n' "${cs[@]}" | median)" \
        "$(( $(printf '%s\n' "${rs[@]}" | sort -g | tail -n 1) / 1024 ))" "$mb"
}

res=results.md
{
    echo "| grid (pixels) | cells | output | 1 thread: wall (CPU), peak RSS | 2 threads: wall (CPU), peak RSS | speed-up 1 / 2 (wall) | file |"
    echo "|---|---:|---|---:|---:|---:|---:|"
} >"$res"
cat "$res"
maxrss=0
row() { # SIZE FORMAT OUT [OPTIONS...]
    local size=$1 fmt=$2 out=$3 cols rows threads th t c m f
    shift 3
    cols=${size%x*} rows=${size#*x}
    threads="1 2"
    [ $((cols * rows)) -ge 1000000000 ] && threads=$big_threads
    local cell=() ts=() file=
    for th in 1 2; do
        if [[ " $threads " != *" $th "* ]]; then
            cell+=("not run") ts+=("")
            continue
        fi
        read -r t c m f < <(grid "$cols" "$rows" "$th" "$out" "$@")
        [ "$m" -gt "$maxrss" ] && maxrss=$m
        cell+=("$(printf '%.2f s (%.2f s), %d MB' "$t" "$c" "$m")") ts+=("$t") file=$f
    done
    local speedup=-
    [ -n "${ts[0]}" ] && [ -n "${ts[1]}" ] &&
        speedup=$(awk -v a="${ts[0]}" -v b="${ts[1]}" 'BEGIN { printf "%.2fx", a / b }')
    printf '| %s x %s | %s | %s | %s | %s | %s | %d MB |\n' "$cols" "$rows" \
        "$(awk -v c="$cols" -v r="$rows" 'BEGIN { printf "%.4g M", c * r / 1e6 }')" "$fmt" \
        "${cell[0]}" "${cell[1]}" "$speedup" "$file" | tee -a "$res"
}
cog=${COG_SIZE-10000x5000} # empty: no COG
for s in $sizes; do
    if [ $((${s%x*} * ${s#*x})) -ge 1000000000 ] && [ "$big_compress" != DEFLATE ]; then
        row "$s" "GeoTIFF (tiled, $big_compress)" out.tif --co "COMPRESS=$big_compress"
        continue
    fi
    row "$s" "GeoTIFF (tiled, DEFLATE)" out.tif
    [ "$s" = "$cog" ] && row "$cog" "COG (DEFLATE)" out.cog.tif --of COG
done

{
    echo "# bench-grid results"
    echo
    echo "Machine: $(nproc) cores shared with other work, load average at start $load, $start."
    echo "$("$ge" --version 2>/dev/null | head -n 1); $(gdalinfo --version 2>/dev/null || true)."
    echo "Model: 256x256x4 cells fit from 100,000 points on a 100 km square (EPSG:32633)."
    echo "Time is wall-clock, median of $runs runs ($big_runs for a billion pixels or more, on"
    echo "$big_threads thread(s));"
    echo "CPU is user + system time of all threads (the machine is shared: wall time depends on"
    echo "the other work); memory is the peak resident set size (GNU time); file is the output's size."
    echo
    cat "$res"
    echo
    echo "Largest peak RSS: $maxrss MB (target: under 500 MB at 100,000 x 50,000)."
    echo
    echo "Produced by"
    echo
    echo '```'
    echo "SIZES=\"$sizes\" COG_SIZE=$cog BIG_RUNS=$big_runs BIG_THREADS=\"$big_threads\" \\"
    echo "    BIG_COMPRESS=$big_compress bench/grid/run.sh --scale build/geoembed $runs"
    echo '```'
    echo
    echo "(\`make bench-grid\` with the defaults); each measurement is"
    echo
    echo '```'
    echo "geoembed fit pts.csv --src-crs EPSG:32633 -o m.bin -q --size 256,256 --features 4 \\"
    echo "    --epochs 100 --smooth 0.1 --bbox 0,0,100000,100000"
    echo "/usr/bin/time -f '%e %U %S %M' geoembed predict m.bin --grid out.tif --size COLS,ROWS \\"
    echo "    --bbox 0,0,100000,100000 --threads T -q            # COG: --grid out.cog.tif --of COG"
    echo "    # ZSTD: --co COMPRESS=ZSTD"
    echo '```'
} >RESULTS.md
echo "largest peak RSS: $maxrss MB (target: under 500 MB)"
cp RESULTS.md "$here/RESULTS.md"
