"""bench/accuracy: held-out accuracy of geoembed's defaults against gdal_grid.

usage: python3 bench.py GEOEMBED WORKDIR [--results FILE] [--fields a,b]
                        [--fit-args "..."] [--no-large]

Called by run.sh (which makes and removes WORKDIR). Needs numpy and gdal_grid.
--fit-args is for tuning experiments only: the published table uses none.
"""
import argparse
import os
import platform
import shlex
import subprocess
import sys
import time

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fields as F  # noqa: E402

NODATA = -1e30
GDAL_METHODS = ["invdist", "invdistnn", "nearest", "linear"]


def run(cmd, cwd):
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.stderr.write("bench-accuracy: command failed (%d): %s\n%s%s"
                         % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
        sys.exit(1)
    return dt, p


def write_csv(path, cols, xy, val):
    data = np.c_[xy, val]
    np.savetxt(path, data, delimiter=",", header=",".join(cols), comments="", fmt="%.17g")


def write_vrt(path, csv, xcol, ycol, zcol):
    layer = os.path.splitext(os.path.basename(csv))[0]
    with open(path, "w") as f:
        f.write('<OGRVRTDataSource><OGRVRTLayer name="%s">'
                '<SrcDataSource relativeToVRT="1">%s</SrcDataSource>'
                '<GeometryType>wkbPoint</GeometryType>'
                '<GeometryField encoding="PointFromColumns" x="%s" y="%s" z="%s"/>'
                '</OGRVRTLayer></OGRVRTDataSource>\n' % (layer, os.path.basename(csv), xcol, ycol, zcol))


def read_envi(raw):
    """A gdal_grid ENVI raster: (array[rows, cols], x of first centre, y of first
    centre, dx, dy) from the .hdr's map info (north-up only)."""
    hdr = {}
    with open(os.path.splitext(raw)[0] + ".hdr") as f:
        for line in f:
            if "=" in line:
                k, v = line.split("=", 1)
                hdr[k.strip()] = v.strip()
    cols, rows = int(hdr["samples"]), int(hdr["lines"])
    assert hdr["data type"] == "5" and hdr["byte order"] == "0", hdr
    mi = [s.strip() for s in hdr["map info"].strip("{}").split(",")]
    px, py, x0, y0, dx, dy = (float(v) for v in mi[1:7])
    a = np.fromfile(raw, "<f8").reshape(rows, cols)
    # map info gives the corner of pixel (px, py) (1-based): first centre
    xc = x0 - (px - 1) * dx + dx / 2
    yc = y0 + (py - 1) * dy - dy / 2
    return a, xc, yc, dx, dy


def sample(grid, xy):
    """Nearest-pixel values of a raster at points; NaN where nodata."""
    a, xc, yc, dx, dy = grid
    c = np.rint((xy[:, 0] - xc) / dx).astype(int)
    r = np.rint((yc - xy[:, 1]) / dy).astype(int)
    ok = (c >= 0) & (c < a.shape[1]) & (r >= 0) & (r < a.shape[0])
    v = np.full(len(xy), np.nan)
    v[ok] = a[r[ok], c[ok]]
    v[(v == NODATA) | ~np.isfinite(v)] = np.nan
    return v


def gdal_algorithms(fd, ntrain):
    """The gdal_grid -a strings; invdistnn's radius covers every test point."""
    xtr, xte = fd["train"][0], fd["test"][0]
    x0, x1, y0, y1 = fd["grid"][:4]
    spacing = np.sqrt((x1 - x0) * (y1 - y0) / ntrain)
    # the largest gap a test point sits in: distance to its nearest training point
    d2 = ((xte[:, None, :] - xtr[None, :, :]) ** 2).sum(-1).min(1)
    radius = max(3 * spacing, 1.1 * np.sqrt(d2.max()))
    mag = 10 ** np.floor(np.log10(radius))
    radius = np.ceil(radius / mag * 2) / 2 * mag    # round up to 1, 1.5, 2, ... x 10^k
    nd = ":nodata=%g" % NODATA
    return {
        "invdist": "invdist:power=2" + nd,
        "invdistnn": "invdistnn:power=2:max_points=12:radius=%g" % radius + nd,
        "nearest": "nearest" + nd,
        "linear": "linear" + nd,
    }, radius


def bench_field(fd, bin_, work, fit_args):
    d = os.path.join(work, fd["name"])
    os.makedirs(d)
    cols = [fd["xcol"], fd["ycol"]] + fd["targets"]
    write_csv(os.path.join(d, "train.csv"), cols, *fd["train"])
    write_csv(os.path.join(d, "test.csv"), cols, *fd["test"])
    xte, truth = fd["test"]
    xtr, vtr = fd["train"]
    nt = len(fd["targets"])
    preds, times, notes = {}, {}, {}

    # geoembed with defaults: fit, then predict at the test points
    t_fit, p = run([bin_, "fit", "train.csv", "-o", "m.bin"] + fit_args, d)
    chose = [ln.split("fit: ", 1)[1] for ln in p.stderr.splitlines() if ": grid " in ln]
    t_pred, _ = run([bin_, "predict", "m.bin", "test.csv", "-o", "pred.csv", "--std"], d)
    with open(os.path.join(d, "pred.csv")) as f:
        header = f.readline().strip().split(",")
    pr = np.loadtxt(os.path.join(d, "pred.csv"), delimiter=",", skiprows=1, ndmin=2)
    preds["geoembed"] = np.stack([pr[:, header.index(t + "_pred")] for t in fd["targets"]], 1)
    notes["std"] = np.stack([pr[:, header.index(t + "_std")] for t in fd["targets"]], 1)
    if not np.allclose(pr[:, :2], xte):
        sys.exit("bench-accuracy: predict reordered the points")
    times["geoembed"] = t_fit + t_pred
    notes["geoembed"] = "defaults; fit %.2f s + predict %.2f s%s" % (
        t_fit, t_pred, ("; " + chose[0]) if chose else "")

    # gdal_grid: one run per method and target over the comparison raster
    algs, radius = gdal_algorithms(fd, len(xtr))
    x0, x1, y0, y1, nc, nr = fd["grid"]
    for m in GDAL_METHODS:
        out, tt = [], 0.0
        for k, t in enumerate(fd["targets"]):
            vrt = os.path.join(d, "train_%s.vrt" % t)
            if not os.path.exists(vrt):
                write_vrt(vrt, os.path.join(d, "train.csv"), fd["xcol"], fd["ycol"], t)
            raw = "%s_%s.raw" % (m, t)
            dt, _ = run(["gdal_grid", "-q", "-a", algs[m], "-zfield", t,
                         "-txe", repr(x0), repr(x1), "-tye", repr(y0), repr(y1),
                         "-outsize", str(nc), str(nr), "-ot", "Float64", "-of", "ENVI",
                         os.path.basename(vrt), raw], d)
            tt += dt
            grid = read_envi(os.path.join(d, raw))
            out.append(sample(grid, xte))
            if m in ("nearest", "linear"):
                # alignment self-check: exact interpolators reproduce the training values
                s = sample(grid, xtr)
                ok = np.isfinite(s)
                err = np.abs(s[ok] - vtr[ok, k]).max()
                if err > 1e-9 * max(1.0, np.abs(vtr[:, k]).max()):
                    sys.exit("bench-accuracy: %s raster misaligned (%s at training points: %g)"
                             % (m, t, err))
        preds[m] = np.stack(out, 1)
        times[m] = tt
        if m == "linear":
            # linear's default radius=-1 answers outside the convex hull with the
            # nearest sample; count the test points that fallback serves (untimed)
            t = fd["targets"][0]
            run(["gdal_grid", "-q", "-a", "linear:radius=0" + ":nodata=%g" % NODATA, "-zfield", t,
                 "-txe", repr(x0), repr(x1), "-tye", repr(y0), repr(y1),
                 "-outsize", str(nc), str(nr), "-ot", "Float64", "-of", "ENVI",
                 "train_%s.vrt" % t, "hull.raw"], d)
            notes["outside_hull"] = int(np.isnan(sample(read_envi(os.path.join(d, "hull.raw")), xte)).sum())
        notes[m] = algs[m].replace(":nodata=%g" % NODATA, "")
    return preds, times, notes, radius, nt


def score(fd, preds):
    truth = fd["test"][1]
    have = np.ones(len(truth), bool)
    for p in preds.values():
        have &= np.isfinite(p).all(1)
    rows = {}
    for m, p in preds.items():
        e = (p - truth)[have]
        rows[m] = dict(mae=float(np.abs(e).mean()), rmse=float(np.sqrt((e ** 2).mean())),
                       missing=int((~np.isfinite(p).all(1)).sum()))
    return rows, int(have.sum())


def fmt(v):
    return "%.4g" % v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("geoembed")
    ap.add_argument("work")
    ap.add_argument("--results")
    ap.add_argument("--fields")
    ap.add_argument("--fit-args", default="")
    ap.add_argument("--no-large", action="store_true")
    a = ap.parse_args()
    fit_args = shlex.split(a.fit_args)
    bin_ = os.path.abspath(a.geoembed)
    t_all = time.perf_counter()

    version = run([bin_, "--version"], a.work)[1].stdout.strip().splitlines()[0]
    gdal = run(["gdal_grid", "--version"], a.work)[1].stdout.strip()
    cores = os.cpu_count()

    fds = F.all_fields()
    if a.fields:
        want = a.fields.split(",")
        fds = [f for f in fds if f["name"] in want]

    L = []
    L.append("# geoembed vs gdal_grid: held-out accuracy")
    L.append("")
    L.append("Generated by `make bench-accuracy` (bench/accuracy/run.sh). %s, %s, %d cores, %s."
             % (version, gdal, cores, platform.machine()))
    if fit_args:
        L.append("")
        L.append("**Not the defaults: geoembed fit was given `%s`.**" % " ".join(fit_args))
    L.append("")
    L.append("geoembed: `geoembed fit train.csv -o m.bin` with no tuning options, then "
             "`geoembed predict m.bin test.csv`; time = fit + predict wall time. "
             "gdal_grid: one run per method (per target for force_field) over the whole "
             "comparison raster; time = gdal_grid wall time. MAE/RMSE on the held-out 50%, "
             "scored only at test points where every method has a value; `missing` counts "
             "the test points where a method's raster is nodata (e.g. `linear` outside the "
             "convex hull). force_field: MAE and RMSE pooled over U and V (like `eval`'s "
             "`(all)` row). See README.md for the fields and how the rasters are sampled.")
    L.append("")
    L.append("| field | method | MAE | RMSE | time (s) | missing |")
    L.append("|---|---|---:|---:|---:|---:|")
    summary, details, coverage = [], [], []
    for fd in fds:
        preds, times, notes, radius, nt = bench_field(fd, bin_, a.work, fit_args)
        rows, n = score(fd, preds)
        best = min(GDAL_METHODS, key=lambda m: rows[m]["mae"])
        for m in ["geoembed"] + GDAL_METHODS:
            r = rows[m]
            label = m if m == "geoembed" else "gdal_grid %s%s" % (m, " **(best gdal)**" if m == best else "")
            L.append("| %s | %s | %s | %s | %.2f | %d |" % (
                fd["name"], label, fmt(r["mae"]), fmt(r["rmse"]), times[m], r["missing"]))
        err = np.abs(preds["geoembed"] - fd["test"][1])
        ok = np.isfinite(err) & np.isfinite(notes["std"])
        c1 = float((err[ok] <= notes["std"][ok]).mean())
        c2 = float((err[ok] <= 2 * notes["std"][ok]).mean())
        coverage.append("| %s | %.1f%% | %.1f%% | %s |" % (
            fd["name"], 100 * c1, 100 * c2,
            "**yes**" if 0.60 <= c1 <= 0.76 and 0.92 <= c2 <= 0.98 else "no"))
        g, b = rows["geoembed"]["mae"], rows[best]["mae"]
        summary.append("| %s | %d / %d | %s | %s (%s) | %s | %.2fx |" % (
            fd["name"], n, len(fd["test"][0]), fmt(g), fmt(b), best,
            "**yes**" if g < b else "no", g / b))
        details.append("- %s: %s. Scored at %d of %d test points. geoembed: %s. "
                       "invdistnn radius %g. %d test points lie outside the training points' "
                       "convex hull (linear gives them the nearest sample's value)."
                       % (fd["name"], fd["desc"], n, len(fd["test"][0]), notes["geoembed"],
                          radius, notes["outside_hull"]))
        sys.stderr.write("bench-accuracy: %s done\n" % fd["name"])
    L.append("")
    L.append("Is `predict --std` calibrated? The share of held-out errors of geoembed within "
             "one and two predictive standard deviations (a Gaussian has 68% and 95%; the "
             "target is 60-76% and 92-98%), pooled over the targets.")
    L.append("")
    L.append("| field | within 1 std | within 2 std | calibrated? |")
    L.append("|---|---:|---:|---|")
    L += coverage
    L.append("")
    L.append("Does geoembed's default beat the best gdal_grid method on MAE?")
    L.append("")
    L.append("| field | scored / test points | geoembed MAE | best gdal_grid MAE | beats? | geoembed / best |")
    L.append("|---|---:|---:|---:|---|---:|")
    L += summary
    L.append("")
    L += details

    if not a.no_large:
        xy, v = F.smooth_large()
        d = os.path.join(a.work, "large")
        os.makedirs(d)
        write_csv(os.path.join(d, "large.csv"), ["x", "y", "value"], xy, v[:, None])
        dt, p = run([bin_, "fit", "large.csv", "-o", "m.bin"] + fit_args, d)
        chose = [ln.split("fit: ", 1)[1] for ln in p.stderr.splitlines() if ": grid " in ln]
        L.append("")
        L.append("Fit time on %d samples of the smooth field with defaults: **%.2f s** "
                 "(target: under 10 s on 2 cores; %s)%s." % (
                     len(xy), dt, "met" if dt < 10 else "NOT met",
                     ("; " + chose[0]) if chose else ""))
    L.append("")
    L.append("Total benchmark time: %.0f s." % (time.perf_counter() - t_all))
    text = "\n".join(L) + "\n"
    sys.stdout.write(text)
    if a.results:
        tmp = a.results + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, a.results)


if __name__ == "__main__":
    main()
