"""Synthetic fields with known truth for bench/accuracy (numpy only, fixed seeds).

Every field returns a dict:
  name, desc        identifier and one-line description
  xcol, ycol        coordinate column names ("lon"/"lat" or "x"/"y")
  targets           target column names
  train, test       (coords[n,2], values[n,len(targets)]) -- train values may carry
                    noise, test values are always the noise-free truth
  grid              (xmin, xmax, ymin, ymax, ncols, nrows): a raster whose pixel
                    centres lie on the lattice every sample sits on, so reading a
                    gdal_grid raster at a test point's nearest pixel is exact
  step              (dx, dy) of that lattice, origin (x0, y0) = first pixel centre

Planar fields live on a 0..10000 m square; their coordinates are snapped to a
10 m lattice (a survey's coordinate precision) and the truth is evaluated at the
snapped coordinates, so every test point is exactly a pixel centre of the
1001 x 1001 comparison raster.
"""
import numpy as np

SIDE = 10000.0   # planar domain: 0..SIDE metres on both axes
SNAP = 10.0      # coordinate lattice of the planar fields (metres)


def _split(n, rng):
    """A seeded random 50/50 split of n indices."""
    p = rng.permutation(n)
    return p[: n // 2], p[n // 2:]


def _snap_unique(xy, rng, draw):
    """Snap points to the SNAP lattice, drop duplicates, top up with draw(k)."""
    want = len(xy)
    out = np.empty((0, 2))
    while len(out) < want:
        s = np.clip(np.round(xy / SNAP) * SNAP, 0.0, SIDE)
        out = np.unique(np.vstack([out, s]), axis=0)
        xy = draw(want - len(out)) if len(out) < want else xy
    out = out[:want]
    return out[rng.permutation(len(out))]


def _planar(name, desc, f, xy, rng, noise=0.0):
    v = f(xy[:, 0], xy[:, 1])
    tr, te = _split(len(xy), rng)
    vtr = v[tr] + (rng.normal(0.0, noise, len(tr)) if noise > 0 else 0.0)
    n = int(round(SIDE / SNAP)) + 1
    return dict(
        name=name, desc=desc, xcol="x", ycol="y", targets=["value"],
        train=(xy[tr], vtr[:, None]), test=(xy[te], v[te][:, None]),
        grid=(-SNAP / 2, SIDE + SNAP / 2, -SNAP / 2, SIDE + SNAP / 2, n, n),
        step=(SNAP, SNAP), origin=(0.0, 0.0), noise=noise)


def uniform_xy(n, seed):
    rng = np.random.default_rng(seed)
    draw = lambda k: rng.uniform(0.0, SIDE, (k, 2))  # noqa: E731
    return _snap_unique(draw(n), rng, draw)


# --- 1. the founding guide's force field on the globe -------------------------

def force_field(seed=20240601):
    lon = np.degrees(np.arange(-np.pi, np.pi, 0.1))        # 63 values
    lat = np.degrees(np.arange(-np.pi / 2, np.pi / 2, 0.1))  # 32 values
    LO, LA = np.meshgrid(lon, lat, indexing="ij")
    LO, LA = LO.ravel(), LA.ravel()
    U = np.cos(2 * np.radians(LO))
    V = np.sin(2 * np.radians(LA))
    xy, val = np.c_[LO, LA], np.c_[U, V]
    tr, te = _split(len(xy), np.random.default_rng(seed))
    d = np.degrees(0.1)
    return dict(
        name="force_field",
        desc="U=cos(2 lon), V=sin(2 lat) on the guide's 63x32 lon/lat lattice (2016 points)",
        xcol="lon", ycol="lat", targets=["U", "V"],
        train=(xy[tr], val[tr]), test=(xy[te], val[te]),
        grid=(lon[0] - d / 2, lon[0] + (len(lon) - 0.5) * d,
              lat[0] - d / 2, lat[0] + (len(lat) - 0.5) * d, len(lon), len(lat)),
        step=(d, d), origin=(lon[0], lat[0]), noise=0.0)


# --- 2. smooth surface --------------------------------------------------------

def smooth_truth(x, y):
    u, v = x / SIDE, y / SIDE
    g = lambda cx, cy, s, a: a * np.exp(-((u - cx) ** 2 + (v - cy) ** 2) / (2 * s * s))  # noqa: E731
    return (g(0.30, 0.35, 0.12, 1.0) + g(0.70, 0.65, 0.15, -0.8) + g(0.55, 0.20, 0.08, 0.6)
            + 0.3 * np.sin(2 * np.pi * u) * np.cos(np.pi * v))


def smooth(seed=11, noise=0.0, n=2000):
    rng = np.random.default_rng(seed + 1)
    name = "smooth_noisy" if noise else "smooth"
    desc = ("3 Gaussians + low-frequency sine, %d uniform samples" % n
            + (", noise sd %g on training values" % noise if noise else ""))
    return _planar(name, desc, smooth_truth, uniform_xy(n, seed), rng, noise)


# --- 3. sharp front -----------------------------------------------------------

def front_truth(x, y):
    x0 = 5000.0 + 600.0 * np.sin(2 * np.pi * y / SIDE)   # a gently curved front
    return np.tanh((x - x0) / 100.0) + 0.5 * (x + y) / SIDE - 0.3 * y / SIDE


def front(seed=31, n=2000):
    return _planar("front", "tanh((x - x0(y))/100 m) + gentle trend, %d uniform samples" % n,
                   front_truth, uniform_xy(n, seed), np.random.default_rng(seed + 1))


# --- 4. multiscale / anisotropic, clustered survey ----------------------------

def survey_truth(x, y):
    return np.sin(x / 3000.0) * np.cos(y / 500.0) + 0.2 * np.sin((x + 0.5 * y) / 150.0)


def survey(seed=41, clumps=6, per_clump=60, background=80):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(1000.0, SIDE - 1000.0, (clumps, 2))
    sigmas = rng.uniform(250.0, 600.0, clumps)

    def draw(k):
        # k more points: clumps and background in the same proportion
        pts = []
        for _ in range(k):
            if rng.uniform() < background / (background + clumps * per_clump):
                pts.append(rng.uniform(0.0, SIDE, 2))
            else:
                c = rng.integers(clumps)
                pts.append(rng.normal(centres[c], sigmas[c]))
        return np.array(pts).reshape(-1, 2)

    xy = [rng.normal(centres[c], sigmas[c], (per_clump, 2)) for c in range(clumps)]
    xy.append(rng.uniform(0.0, SIDE, (background, 2)))
    xy = np.vstack(xy)
    inside = lambda p: p[(p >= 0).all(1) & (p <= SIDE).all(1)]  # noqa: E731
    xy = inside(xy)
    while len(xy) < clumps * per_clump + background:
        xy = np.vstack([xy, inside(draw(clumps * per_clump + background - len(xy)))])
    xy = _snap_unique(xy, rng, lambda k: inside(draw(k)))
    return _planar("survey",
                   "sin(x/3000) cos(y/500) + 0.2 sin((x+y/2)/150): %d clumps x %d + %d background"
                   % (clumps, per_clump, background),
                   survey_truth, xy, np.random.default_rng(seed + 1))


def all_fields():
    return [force_field(), smooth(), smooth(noise=0.1), front(), survey()]


def smooth_large(n=10000, seed=12):
    """n samples of the smooth field for the fit-time measurement."""
    xy = uniform_xy(n, seed)
    return xy, smooth_truth(xy[:, 0], xy[:, 1])
