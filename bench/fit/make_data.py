"""bench/fit: the seeded data sets of the fit benchmark, as CSV files.

usage: python3 make_data.py DIR [--large N]

Writes into DIR:
  soil.csv    259 samples clustered along a meandering river band in a 3 km x 4 km
              planar area (metres), 7 positively skewed, correlated targets (like R's
              `meuse`): x,y,cadmium,copper,lead,zinc,mercury,nickel,om
  wind.csv    4096 samples uniform on the sphere, a smooth wind field: lon,lat,u,v
  uniform.csv 10,000 uniform samples of a smooth field on a 100 km square: x,y,z
  large.csv   N (default 1,000,000) uniform samples of the same field: x,y,z
Needs numpy. Every set has its own seed, so each file is the same on every run.
"""
import argparse
import os
import sys

import numpy as np

sys.dont_write_bytecode = True


def write(path, header, cols, fmt):
    np.savetxt(path, np.column_stack(cols), delimiter=",", header=header, comments="", fmt=fmt)


def river_x(y):
    """The river's easting at northing y (metres from the area's south edge)."""
    return 1500 + 700 * np.sin(2 * np.pi * y / 2600) + 180 * np.sin(2 * np.pi * y / 850 + 1.0)


def soil(path):
    """259 samples in clumps along the river, most within a few hundred metres of it;
    the metals are highest on the flood plain and decay away from the river."""
    rng = np.random.default_rng(259)
    n, w, h = 259, 3000.0, 4000.0
    x0, y0 = 178500.0, 329700.0           # an offset planar frame, like Dutch RD metres
    pts = []
    while len(pts) < n:
        yc = rng.uniform(0, h)             # a clump: a place along the river ...
        off = rng.choice([-1, 1]) * rng.exponential(250)   # ... and a distance from it
        for _ in range(rng.integers(3, 10)):
            x = river_x(yc) + off + rng.normal(0, 60)
            y = yc + rng.normal(0, 60)
            if 0 <= x <= w and 0 <= y <= h and len(pts) < n:
                pts.append((x, y))
    xy = np.array(pts)
    # distance to the river: to a dense polyline along it
    ys = np.linspace(-200, h + 200, 4001)
    line = np.c_[river_x(ys), ys]
    d = np.sqrt(((xy[:, None, :] - line[None, :, :]) ** 2).sum(-1).min(1))
    near = np.exp(-d / 400)                # 1 at the river, falling off over ~400 m
    trend = np.sin(xy[:, 1] / 900) * 0.3 + np.cos(xy[:, 0] / 700) * 0.2
    common = rng.normal(0, 0.35, n)        # shared noise: the metals are correlated
    names = ["cadmium", "copper", "lead", "zinc", "mercury", "nickel", "om"]
    # log-scale level, river effect, trend weight, own noise
    par = [(-0.5, 2.2, 1.0, 0.35), (2.8, 1.2, 0.6, 0.2), (4.2, 1.3, 0.7, 0.2),
           (5.2, 1.5, 0.8, 0.2), (-2.0, 1.8, 0.9, 0.4), (2.7, 0.6, 0.4, 0.15),
           (1.6, 0.7, 0.5, 0.25)]
    cols = [xy[:, 0] + x0, xy[:, 1] + y0]
    for a, b, c, s in par:
        cols.append(np.exp(a + b * near + c * trend + common + rng.normal(0, s, n)))
    write(path, ",".join(["x", "y"] + names), cols, "%.2f")


def wind(path):
    """4096 samples uniform on the sphere; u, v of a smooth global field (m/s)."""
    rng = np.random.default_rng(4096)
    n = 4096
    lon = rng.uniform(-180, 180, n)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lo, la = np.radians(lon), np.radians(lat)
    u = 12 * np.cos(la) ** 2 * np.sin(3 * la) + 3 * np.cos(2 * lo) * np.cos(la) + rng.normal(0, 0.2, n)
    v = 4 * np.sin(3 * lo) * np.cos(la) ** 2 + 2 * np.sin(2 * la) + rng.normal(0, 0.2, n)
    write(path, "lon,lat,u,v", [lon, lat, u, v], "%.6f")


def uniform(path, n, seed):
    """n uniform samples of a smooth field on a 100 km square (metres)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100000, n)
    y = rng.uniform(0, 100000, n)
    z = (np.sin(x / 9000) + np.cos(y / 13000) + 0.3 * np.sin((x + y) / 4000)
         + rng.normal(0, 0.02, n))
    write(path, "x,y,z", [x, y, z], "%.3f,%.3f,%.6f")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--large", type=int, default=1000000)
    a = ap.parse_args()
    soil(os.path.join(a.dir, "soil.csv"))
    wind(os.path.join(a.dir, "wind.csv"))
    uniform(os.path.join(a.dir, "uniform.csv"), 10000, 10000)
    if a.large > 0:
        uniform(os.path.join(a.dir, "large.csv"), a.large, 1000000)


if __name__ == "__main__":
    main()
