#!/usr/bin/python3
"""Diffusion couples (-ic couple) and the uphill measures (README "Seeing uphill diffusion").

 - fick: a couple of small contrast (0.48/0.52) above Tc (chi = 1.5) on a 512 x 8 strip, 2
   ranks: the y-averaged profile stays an erf (residual < 1 % of the contrast against the erf
   of the same centre and width, both from the moments of dc/dx) whose width s grows as s^2 = s0^2 + 4 D t with D = D* Phi(c_mean) = 1 - 2 chi c(1-c) = 0.25 (reduced
   units) within 5 %; uphill_fraction and uphill_flux are 0 in every row.
 - downhill: inputs/couple-downhill.opts (shortened): uphill_fraction = uphill_flux = 0 in
   every row; its -frame_field uphill frames hold blue (downhill) pixels and no red ones.
 - uphill: inputs/couple-uphill.opts (shortened): the composition difference across the
   interface (max - min of the y-averaged profile within 15 l of it) grows at every saved field
   and by more than 0.1 in all; uphill_fraction > 0 and uphill_flux > 0 in every row; its
   -frame_field uphill frames hold red (uphill) pixels; a -frame_field mu frame is written, the
   chemical potential higher on the B-poor side (brighter in viridis) than on the B-rich one.

Needs numpy and h5py (Debian: /usr/bin/python3). Prints one line per check and
"N passed, M failed"; exits non-zero on any failure.
"""
import argparse
import glob
import math
import os
import shutil
import struct
import sys
import zlib

import numpy as np

from testlib import Tally, add_mpi_args, mpirun, read_csv, read_field

_tally = Tally()
COMMON = ["-quiet", "-fftw_wisdom", "none", "-fftw_plan", "estimate"]


def check(ok, what, p=None):
    if not _tally.check(ok, what) and p is not None:
        p.show()
    return ok


def read_png(path):
    """8-bit RGB PNG (what uphill writes) as an (h, w, 3) uint8 array."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype == 2, "not 8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, out = zlib.decompress(idat), 3 * w, []
    prev = bytearray(stride)
    for r in range(h):
        ft, line = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b, c = prev[i], (prev[i - 3] if i >= 3 else 0)
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
        out.append(bytes(line))
        prev = line
    return np.frombuffer(b"".join(out), dtype=np.uint8).reshape(h, w, 3)


def rows_of(run):
    return read_csv(os.path.join(run, "diagnostics.csv"))[1]


def reds_blues(path):
    """Pixels of the frame that are clearly red (uphill) and clearly blue (downhill)."""
    im = read_png(path).astype(int)
    im = im[:, :int(0.9 * im.shape[1])]  # the strip's panel, not the colour bar at the right
    r, g, b = im[..., 0], im[..., 1], im[..., 2]
    return int(np.sum((r > 150) & (r - b > 60) & (g < 150))), int(np.sum((b > 120) & (b - r > 60)))


def profiles(run):
    """[(t, y-averaged c)] of the run's saved fields (fields/ and final.h5), in time order."""
    import h5py
    out = {}
    for p in glob.glob(os.path.join(run, "fields", "c_*.h5")) + [os.path.join(run, "final.h5")]:
        with h5py.File(p, "r") as f:
            out[float(f["c"].attrs["time"])] = np.array(f["c"]).mean(axis=0)
    return sorted(out.items())


def fick(args):
    out = os.path.join(args.workdir, "fick")
    L, chi, cl, cr = 512.0, 1.5, 0.48, 0.52
    p = mpirun(args, 2, [args.uphill, "-units", "reduced", "-chi", str(chi), "-ic", "couple", "-couple_c", f"{cl},{cr}",
                         "-couple_width", "5", "-noise", "0", "-N", "512,8", "-L", f"{L:g},8", "-t_end", "400",
                         "-dump_times", "50,100,200,300", "-frames", "0", "-output", out] + COMMON)
    if not check(p.ok, "fick: the couple above Tc ran on 2 ranks", p):
        return
    cm = 0.5 * (cl + cr)
    D = 1.0 - 2.0 * chi * cm * (1.0 - cm)
    ts, s2, worst = [], [], 0.0
    for t, c in profiles(out):
        if t <= 0:
            continue
        x = np.arange(len(c)) * L / len(c)
        m = (x > L / 4) & (x < 3 * L / 4)
        # c = a + b erf((x - x0)/s) has dc/dx ~ exp(-(x - x0)^2/s^2): mean x0, variance s^2/2
        g = np.gradient(c, x)[m]
        x0 = float(np.sum(x[m] * g) / np.sum(g))
        s = math.sqrt(2.0 * float(np.sum((x[m] - x0) ** 2 * g) / np.sum(g)))
        a, b = 0.5 * (c[m][0] + c[m][-1]), 0.5 * (c[m][-1] - c[m][0])
        model = a + b * np.array([math.erf((xi - x0) / s) for xi in x[m]])
        worst = max(worst, float(np.max(np.abs(model - c[m]))) / (cr - cl))
        ts.append(t)
        s2.append(s * s)
        print(f"     t = {t:g}: erf width s = {s:.4f}, centre {x0:.3f}")
    check(len(ts) >= 4, f"fick: {len(ts)} saved profiles (4 dumps and final.h5)")
    check(worst < 0.01, f"fick: the profile stays an erf: largest fit residual {worst:.2e} of the contrast < 1e-2")
    Dfit = np.polyfit(ts, s2, 1)[0] / 4.0
    rel = abs(Dfit / D - 1.0)
    check(rel < 0.05, f"fick: s^2 = s0^2 + 4 D t with D = {Dfit:.5f} vs D* Phi(c) = {D:.5f}: rel {rel:.2e} < 0.05")
    rows = rows_of(out)
    up = [float(r["uphill_fraction"]) for r in rows] + [float(r["uphill_flux"]) for r in rows]
    check(len(rows) > 5 and max(up) == 0.0, f"fick: uphill_fraction and uphill_flux 0 in all {len(rows)} rows (max {max(up):.3e})")


def couple_input(args, name, extra):
    src = os.path.join(args.inputs, f"couple-{name}.opts")
    out = os.path.join(args.workdir, name)
    p = mpirun(args, 2, [args.uphill, "-options_file", src, "-output", out] + extra + COMMON)
    check(p.ok, f"{name}: inputs/couple-{name}.opts ran (shortened: {' '.join(extra)})", p)
    return out if p.ok else None


def downhill(args):
    out = couple_input(args, "downhill", ["-t_end", "100", "-dump_times", "50", "-frames", "3"])
    if not out:
        return
    rows = rows_of(out)
    up = max(float(r["uphill_fraction"]) for r in rows), max(float(r["uphill_flux"]) for r in rows)
    check(len(rows) > 5 and up == (0.0, 0.0), f"downhill: uphill_fraction and uphill_flux 0 in all {len(rows)} rows (max {up})")
    red, blue = reds_blues(os.path.join(out, "frames", "frame_00002.png"))
    check(red == 0 and blue > 100, f"downhill: the -frame_field uphill frame shows downhill flux only ({blue} blue, {red} red pixels)")


def uphill(args):
    out = couple_input(args, "uphill", ["-t_end", "60", "-dump_times", "20,40", "-frames", "3"])
    if not out:
        return
    prof = profiles(out)
    diffs = []
    for t, c in prof:
        x = np.arange(len(c)) * 512.0 / len(c)
        near = np.abs(x - 256.0) < 15.0
        diffs.append(float(c[near].max() - c[near].min()))
        print(f"     t = {t:g}: difference across the interface {diffs[-1]:.4f}")
    grows = all(b > a for a, b in zip(diffs, diffs[1:]))
    check(len(diffs) >= 3 and grows and diffs[-1] - diffs[0] > 0.1,
          f"uphill: the difference across the interface grows at every saved field, {diffs[0]:.3f} -> {diffs[-1]:.3f} (> +0.1)")
    rows = rows_of(out)
    fr = [float(r["uphill_fraction"]) for r in rows]
    fl = [float(r["uphill_flux"]) for r in rows]
    check(len(rows) > 5 and min(fr) > 0 and min(fl) > 0,
          f"uphill: uphill_fraction > 0 (min {min(fr):.3e}) and uphill_flux > 0 (min {min(fl):.3e}) in all {len(rows)} rows")
    red, blue = reds_blues(os.path.join(out, "frames", "frame_00002.png"))
    check(red > 20, f"uphill: the -frame_field uphill frame shows uphill flux ({red} red, {blue} blue pixels)")
    mu = os.path.join(args.workdir, "mu")
    p = mpirun(args, 2, [args.uphill, "-options_file", os.path.join(args.inputs, "couple-uphill.opts"), "-t_end", "2",
                         "-frames", "1", "-frame_field", "mu", "-dump_times", "1", "-output", mu] + COMMON)
    if check(p.ok, "mu: a -frame_field mu run", p):
        im = read_png(os.path.join(mu, "frames", "frame_00000.png")).astype(int)
        c = read_field(os.path.join(mu, "final.h5"))
        h, w, _ = im.shape
        # the panel spans the image's width left of the colour bar; mu(0.35) > mu(0.65): the
        # left half of the strip (B-poor) is brighter than the right half
        row = im[h // 2]
        left, right = row[w // 8:w // 4].sum(), row[w // 2:5 * w // 8].sum()
        check(c.shape == (16, 1024) and left > right, f"mu: frame {w} x {h}; B-poor side brighter than B-rich side ({left} > {right})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--uphill", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--workdir", default="couple")
    add_mpi_args(ap)
    args = ap.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    fick(args)
    downhill(args)
    uphill(args)
    return _tally.finish()


if __name__ == "__main__":
    sys.exit(main())
