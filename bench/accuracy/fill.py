"""bench/accuracy: geoembed fill against gdal_fillnodata on a DEM with holes.

usage: python3 fill.py GEOEMBED WORKDIR [--results FILE]

A synthetic DEM-like surface (no DEM ships with geoembed): fractal terrain
from a power-law spectrum (seeded), 256 x 256 pixels of 30 m, 200..1200 m,
Float32 with nodata -9999. Holes: 14 discs of radius 2 to 12 pixels, one of
radius 25, and 1% single-pixel dropouts. Both tools fill every hole with their
defaults (geoembed fill; gdal_fillnodata.py -md 100 -si 0); the scores are
MAE, RMSE and the largest error over the hole pixels against the truth. With
--results the table replaces (or is appended as) the section "## Filling
holes" of FILE.
"""
import argparse
import os
import shutil
import sys

import numpy as np

from bench import run  # noqa: E402  (the same command runner, timed)

SECTION = "## Filling holes: geoembed fill vs gdal_fillnodata"
N, PIXEL, NODATA = 256, 30.0, -9999.0


def dem(seed=12):
    """Fractal terrain: random phases, amplitude ~ f^-1.6 (beta 3.2), scaled."""
    rng = np.random.default_rng(seed)
    fx = np.fft.fftfreq(N)[:, None]
    fy = np.fft.fftfreq(N)[None, :]
    f = np.hypot(fx, fy)
    f[0, 0] = 1
    amp = f ** -1.6
    amp[0, 0] = 0
    z = np.real(np.fft.ifft2(amp * np.exp(2j * np.pi * rng.random((N, N)))))
    z = (z - z.min()) / (z.max() - z.min())
    return (200 + 1000 * z).astype(np.float32)


def holes(seed=13):
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:N, 0:N]
    m = np.zeros((N, N), bool)
    for k in range(15):
        rad = 25 if k == 0 else rng.integers(2, 13)
        cy, cx = rng.integers(30, N - 30, 2)
        m |= (r - cy) ** 2 + (c - cx) ** 2 < rad * rad
    m |= rng.random((N, N)) < 0.01
    return m


def write_tif(path, a, cwd):
    """Through ENVI: numpy writes raw bytes, gdal_translate the GeoTIFF."""
    raw = path + ".raw"
    a.astype("<f4").tofile(os.path.join(cwd, raw))
    with open(os.path.join(cwd, path + ".hdr"), "w") as f:
        f.write("ENVI\nsamples = %d\nlines = %d\nbands = 1\nheader offset = 0\n"
                "file type = ENVI Standard\ndata type = 4\ninterleave = bsq\nbyte order = 0\n"
                "map info = {UTM, 1, 1, 500000, 4100000, %g, %g, 33, North, WGS-84}\n"
                % (N, N, PIXEL, PIXEL))
    run(["gdal_translate", "-q", "-of", "GTiff", "-a_nodata", str(NODATA), "-a_srs", "EPSG:32633",
         "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", raw, path], cwd)


def read_tif(path, cwd):
    run(["gdal_translate", "-q", "-of", "ENVI", "-ot", "Float32", path, path + ".out"], cwd)
    return np.fromfile(os.path.join(cwd, path + ".out"), "<f4").reshape(N, N)


def fillnodata():
    for c in ("gdal_fillnodata", "gdal_fillnodata.py"):
        if shutil.which(c):
            return c
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("geoembed")
    ap.add_argument("work")
    ap.add_argument("--results")
    a = ap.parse_args()
    bin_ = os.path.abspath(a.geoembed)
    work = os.path.join(a.work, "fill")
    os.makedirs(work)
    truth, m = dem(), holes()
    write_tif("holes.tif", np.where(m, np.float32(NODATA), truth), work)
    rows = []
    dt, p = run([bin_, "fill", "holes.tif", "-o", "geoembed.tif"], work)
    rows.append(("geoembed fill", dt, read_tif("geoembed.tif", work)))
    inp = read_tif("holes.tif", work)
    assert np.array_equal(rows[0][2][~m], inp[~m]), "geoembed fill changed a valid pixel"
    tool = fillnodata()
    if tool:
        dt, _ = run([tool, "-q", "-md", "100", "-si", "0", "holes.tif", "gdal.tif"], work)
        rows.append(("gdal_fillnodata -md 100 -si 0", dt, read_tif("gdal.tif", work)))
    L = [SECTION, "",
         "A synthetic DEM (fractal terrain, %d x %d pixels of %g m, 200..1200 m, Float32) with "
         "%d hole pixels (%.1f%%): 14 discs of radius 2-12 pixels, one of radius 25, and 1%% "
         "single-pixel dropouts (bench/accuracy/fill.py, seeded). Errors over the hole pixels "
         "against the truth; time = wall time of the command (all cores). Valid pixels are "
         "checked unchanged." % (N, N, PIXEL, m.sum(), 100.0 * m.sum() / m.size), "",
         "| method | MAE (m) | RMSE (m) | max error (m) | unfilled | time (s) |",
         "|---|---:|---:|---:|---:|---:|"]
    for name, dt, out in rows:
        e = out[m].astype(np.float64) - truth[m]
        left = int(np.sum(out[m] == NODATA))
        e = e[out[m] != NODATA]
        L.append("| %s | %.3f | %.3f | %.2f | %d | %.2f |"
                 % (name, np.abs(e).mean(), np.sqrt((e * e).mean()), np.abs(e).max(), left, dt))
    if not tool:
        L.append("")
        L.append("gdal_fillnodata was not found (Debian: python3-gdal): no comparison.")
    text = "\n".join(L) + "\n"
    sys.stdout.write("\n" + text)
    if a.results:
        old = open(a.results).read() if os.path.exists(a.results) else ""
        if SECTION in old:
            head, _, rest = old.partition(SECTION)
            nxt = rest.find("\n## ")
            old = head.rstrip("\n") + ("\n" + rest[nxt:] if nxt >= 0 else "")
        new = old.rstrip("\n") + ("\n\n" if old.strip() else "") + text
        with open(a.results + ".tmp", "w") as f:
            f.write(new)
        os.replace(a.results + ".tmp", a.results)


if __name__ == "__main__":
    main()
