"""PyTorch side of `make bench`: the same measurement as geoembed-bench, in
pure PyTorch (float64, 2 threads).

    /usr/bin/python3 bench/torch_bench.py DATA WHAT [--runs R]

DATA is a file written by `geoembed-bench CASE WHAT --dump DATA` (shape,
samples, targets and initial parameters; format in bench/engine_bench.c), so
both sides train on identical bits. WHAT is step or grid.

The model is torch_geopooling's Embedding2d + Conv2d written with stock
PyTorch: an embedding E[W, H, N] (nn.Parameter), a gather of each point's
KW x KH neighbourhood of cells (wrapped or clamped like the reference) by
advanced indexing into E viewed as [W*H, N], giving [M, KW, KH, N], permuted
to [M, N, KW, KH] and fed to nn.Conv2d(N, O, (KW, KH)), giving [M, O].

step: one full-batch training step (zero_grad, forward, L1 loss, backward,
      Adam); the neighbour index tensor is computed once, outside the timing.
grid: predictions at the cell centres of a GW x GH raster over the exterior,
      under torch.no_grad(), in chunks of 65,536 points; cell and neighbour
      indices are computed inside the timing (they are part of evaluating).

Prints the same lines as geoembed-bench: step_seconds / grid_seconds (wall)
and step_cpu_seconds / grid_cpu_seconds (CPU time, all threads) per timed
run, loss_first / loss_last or grid_checksum, peak_rss_kb.
"""
import argparse
import resource
import sys
import time

import numpy as np
import torch
from torch import nn

CHUNK = 65536


def read_dump(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != b"GEBENCH1":
        sys.exit("torch_bench: %s is not a geoembed-bench dump" % path)
    hdr = np.frombuffer(raw, dtype="=i8", count=10, offset=8)
    M, W, H, N, p0, p1, O, wrap, GW, GH = (int(v) for v in hdr)
    ext = np.frombuffer(raw, dtype="=f8", count=5, offset=8 + 80)
    xmin, ymin, width, height, lr = (float(v) for v in ext)
    KW, KH = 2 * p0 + 1, 2 * p1 + 1
    n_emb, n_kernel = W * H * N, O * N * KW * KH
    body = np.frombuffer(raw, dtype="=f8", offset=8 + 80 + 40)
    want = M * 2 + M * O + n_emb + n_kernel + O
    if body.size != want:
        sys.exit("torch_bench: %s holds %d numbers, expected %d" % (path, body.size, want))
    xy, body = body[: 2 * M].reshape(M, 2), body[2 * M:]
    y, body = body[: M * O].reshape(M, O), body[M * O:]
    E, body = body[:n_emb].reshape(W, H, N), body[n_emb:]
    K, b = body[:n_kernel].reshape(O, N, KW, KH), body[n_kernel:]
    return dict(M=M, W=W, H=H, N=N, p0=p0, p1=p1, O=O, KW=KW, KH=KH,
                wrap_x=bool(wrap & 1), wrap_y=bool(wrap & 2), GW=GW, GH=GH,
                xmin=xmin, ymin=ymin, width=width, height=height, lr=lr,
                xy=torch.from_numpy(xy.copy()), y=torch.from_numpy(y.copy()),
                E=torch.from_numpy(E.copy()), K=torch.from_numpy(K.copy()),
                b=torch.from_numpy(b.copy()))


def cell_size(vmin, size, cells):
    """As src/core/cell.c: the reference stores min and max, so the cell size
    is recovered by two subtractions."""
    extent = (vmin + size) - vmin
    return (vmin + extent / cells) - vmin


class GeoEmbed(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.W, self.H, self.N = d["W"], d["H"], d["N"]
        self.p0, self.p1, self.KW, self.KH = d["p0"], d["p1"], d["KW"], d["KH"]
        self.wrap_x, self.wrap_y = d["wrap_x"], d["wrap_y"]
        self.xmin, self.ymin = d["xmin"], d["ymin"]
        self.cw = cell_size(d["xmin"], d["width"], self.W)
        self.ch = cell_size(d["ymin"], d["height"], self.H)
        self.embedding = nn.Parameter(d["E"].clone())
        self.conv = nn.Conv2d(self.N, d["O"], (self.KW, self.KH)).double()
        with torch.no_grad():
            self.conv.weight.copy_(d["K"])
            self.conv.bias.copy_(d["b"])
        self.kw_off = torch.arange(self.KW, dtype=torch.int64) - self.p0
        self.kh_off = torch.arange(self.KH, dtype=torch.int64) - self.p1

    @staticmethod
    def _axis(v, vmin, cell, base, pad, offsets, wrap):
        # Raw cell index, clamped to the range that keeps neighbourhoods apart
        # (src/core/cell.c), then each neighbour resolved by the reference rule:
        # v < 0 -> v + base; v >= base -> v - base (one wrap only); clamp.
        q = torch.floor((v - vmin) / cell).clamp(-base - pad - 1, 2 * base + pad)
        n = q.to(torch.int64)[:, None] + offsets[None, :]
        if wrap:
            n = torch.where(n < 0, n + base, n)
            n = torch.where(n >= base, n - base, n)
        return n.clamp(0, base - 1)

    def index(self, xy):
        """Neighbour cells of each point, flattened into E viewed as [W*H, N]:
        an int64 tensor [M, KW, KH]."""
        rw = self._axis(xy[:, 0], self.xmin, self.cw, self.W, self.p0, self.kw_off, self.wrap_x)
        rh = self._axis(xy[:, 1], self.ymin, self.ch, self.H, self.p1, self.kh_off, self.wrap_y)
        return rw[:, :, None] * self.H + rh[:, None, :]

    def forward(self, idx):
        g = self.embedding.view(-1, self.N)[idx]          # [M, KW, KH, N]
        out = self.conv(g.permute(0, 3, 1, 2))            # [M, O, 1, 1]
        return out.flatten(1)                             # [M, O]


def bench_step(d, runs):
    model = GeoEmbed(d)
    idx = model.index(d["xy"])  # precomputed once, outside the timing
    y = d["y"]
    loss_fn = nn.L1Loss()
    opt = torch.optim.Adam(model.parameters(), lr=d["lr"])

    def step():
        opt.zero_grad()
        loss = loss_fn(model(idx), y)
        loss.backward()
        opt.step()
        return loss.item()

    print("loss_first %.17g" % step(), flush=True)  # warm-up
    loss = None
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        loss = step()
        t1, c1 = time.perf_counter(), time.process_time()
        print("step_seconds %.9f" % (t1 - t0))
        print("step_cpu_seconds %.9f" % (c1 - c0), flush=True)
    print("loss_last %.17g" % loss)


def bench_grid(d, runs):
    model = GeoEmbed(d)
    GW, GH, O = d["GW"], d["GH"], d["O"]
    # Cell centres, row by row from the north edge (same arithmetic as the C side).
    dx, dy = d["width"] / GW, d["height"] / GH
    gx = d["xmin"] + (torch.arange(GW, dtype=torch.float64) + 0.5) * dx
    gy = (d["ymin"] + d["height"]) - (torch.arange(GH, dtype=torch.float64) + 0.5) * dy
    pts = torch.stack([gx.repeat(GH), gy.repeat_interleave(GW)], dim=1)  # [GW*GH, 2]
    out = torch.empty(GW * GH, O, dtype=torch.float64)
    for r in range(-1, runs):  # r = -1: warm-up
        c0, t0 = time.process_time(), time.perf_counter()
        with torch.no_grad():
            for lo in range(0, pts.shape[0], CHUNK):
                out[lo:lo + CHUNK] = model(model.index(pts[lo:lo + CHUNK]))
        t1, c1 = time.perf_counter(), time.process_time()
        if r >= 0:
            print("grid_seconds %.9f" % (t1 - t0))
            print("grid_cpu_seconds %.9f" % (c1 - c0), flush=True)
    w = (torch.arange(out.numel(), dtype=torch.int64) % 13 + 1).to(torch.float64)
    print("grid_checksum %.17g" % float((out.flatten() * w).sum()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("what", choices=["step", "grid"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_default_dtype(torch.float64)
    d = read_dump(a.data)
    if a.what == "step":
        bench_step(d, a.runs)
    else:
        bench_grid(d, a.runs)
    print("peak_rss_kb %d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


if __name__ == "__main__":
    main()
