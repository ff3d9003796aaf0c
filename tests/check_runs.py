#!/usr/bin/python3
"""Regression checks of whole uphill runs (needs numpy and h5py: Debian's /usr/bin/python3).

check_runs.py pfhub1a ...   PFHub benchmark 1a (polynomial model, rho = 5, c_alpha = 0.3,
                            c_beta = 0.7, kappa = 2, M = 5, 200 x 200, L = 200):
  - bulk_energy at step 0 equals an independent numpy sum of f(c) over the same grid
    points (tolerance 1e-11 relative: the same sum in another order);
  - gradient_energy at step 0 equals an independent numpy-FFT Parseval sum on the same
    grid (1e-10 relative). It is NOT the analytic gradient: the benchmark's cosine field is
    not periodic on [0, 200], so the periodic (spectral) gradient sees the jump at the
    seam x = 200 -> 0 and y = 200 -> 0; the measured ratio is printed, not asserted;
  - against a high-resolution Gauss-Legendre quadrature of the continuous integral (converged
    to 1e-14, checked with 300 and 400 nodes per axis): bulk to 1e-4 relative (the
    rectangle rule on a non-periodic integrand has an O(h) end error, ~1e-5 here) and the
    total to 1e-3 relative (the seam adds ~0.16 to a gradient energy of ~0.07, ~5e-4 of F);
  - a run to t = 100 lowers the free energy at every diagnostics row (and by a lot).

check_runs.py pfhub1b ...   PFHub benchmark 1b (inputs/pfhub1b.opts: the 1a problem with no-flux
                            walls, -bc noflux, the field at the cell centres):
  - bulk_energy, gradient_energy and free_energy at step 0 equal the benchmark formula on the
    cell-centred grid, the gradient from scipy's DCT/DST of the cosine series (independent of
    uphill's FFTW transforms): 1e-11 / 1e-10 relative; and the continuous integral to 1e-5
    (no seam with walls);
  - a run to t = 100 lowers the free energy at every diagnostics row; c_mean constant.

check_runs.py csv ...       diagnostics.csv and final.h5 of a small regular-model run:
  - the DESIGN.md section 5 header columns, in that order; one row per step;
  - c_mean constant to 1e-12, free_energy non-increasing, c_min/c_max inside (0,1);
  - final.h5 /c has the grid shape and matches the last row (mean, min, max);
  - a second run from that file (-ic file -ic_file final.h5 -max_steps 1, on another rank
    count) starts where the first ended: its step-0 row equals the first run's last row in
    c_mean, c_min, c_max, free_energy (and bulk/gradient energy) to 1e-12 relative;
  - the same file with one NaN is refused at the start ("not admissible ... NaN"), both models.

Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
"""
import argparse
import os
import shutil
import sys

import h5py
import numpy as np

from testlib import Tally, add_mpi_args, mpirun, read_csv

_tally = Tally()


def check(ok, what, p=None):
    if not _tally.check(ok, what) and p is not None:
        p.show()
    return ok


def rel(a, b):
    return abs(a - b) / abs(b)


def run(args, np_, opts):
    """uphill on np_ ranks; the Result (its .ok is True on exit status 0)."""
    return mpirun(args, np_, [args.uphill] + opts)


# ---- PFHub 1a -------------------------------------------------------------------------

RHO, CA, CB, KAPPA, M, C0, EPS = 5.0, 0.3, 0.7, 2.0, 5.0, 0.5, 0.01


def pfhub_field(x, y):
    """c and its analytic gradient for the benchmark's initial condition."""
    a = np.cos(0.13 * x) * np.cos(0.087 * y)
    p, q = 0.025 * x - 0.15 * y, 0.07 * x - 0.02 * y
    c = C0 + EPS * (np.cos(0.105 * x) * np.cos(0.11 * y) + a * a + np.cos(p) * np.cos(q))
    ax = -0.13 * np.sin(0.13 * x) * np.cos(0.087 * y)
    ay = -0.087 * np.cos(0.13 * x) * np.sin(0.087 * y)
    cx = EPS * (-0.105 * np.sin(0.105 * x) * np.cos(0.11 * y) + 2 * a * ax - 0.025 * np.sin(p) * np.cos(q) - 0.07 * np.cos(p) * np.sin(q))
    cy = EPS * (-0.11 * np.cos(0.105 * x) * np.sin(0.11 * y) + 2 * a * ay + 0.15 * np.sin(p) * np.cos(q) + 0.02 * np.cos(p) * np.sin(q))
    return c, cx, cy


def fpoly(c):
    return RHO * (c - CA) ** 2 * (CB - c) ** 2


def continuous(nodes):
    xg, wg = np.polynomial.legendre.leggauss(nodes)
    xg, wg = 100.0 * (xg + 1.0), 100.0 * wg
    X, Y = np.meshgrid(xg, xg)
    W = np.outer(wg, wg)
    c, cx, cy = pfhub_field(X, Y)
    bulk = float((W * fpoly(c)).sum())
    grad = float((W * 0.5 * KAPPA * (cx ** 2 + cy ** 2)).sum())
    return bulk, grad


def pfhub1a(args):
    N, L = 200, 200.0
    out = os.path.join(args.workdir, "pfhub1a")
    shutil.rmtree(out, ignore_errors=True)
    opts = ["-model", "polynomial", "-rho", "5", "-c_alpha", "0.3", "-c_beta", "0.7", "-kappa", "2", "-mobility", "5",
            "-c0", "0.5", "-N", str(N), "-L", str(L), "-ic", "pfhub1a", "-dt", "0.25", "-t_end", "100", "-diag_every", "20",
            "-frames", "0", "-quiet", "-fftw_wisdom", "none", "-output", out]
    p = run(args, 2, opts)
    if not check(p.ok, "pfhub1a: uphill ran (2 ranks, 200^2, dt = 0.25 to t = 100)", p):
        return
    header, rows = read_csv(os.path.join(out, "diagnostics.csv"))
    r0 = rows[0]
    check(r0["step"] == 0 and r0["t"] == 0, "pfhub1a: first row is step 0 at t = 0")

    # the same grid points: x = i h, y = j h, h = L/N; array [y][x]
    h = L / N
    g = np.arange(N) * h
    X, Y = np.meshgrid(g, g)
    c, cx, cy = pfhub_field(X, Y)
    bulk_grid = float(fpoly(c).sum() * h * h)
    grad_analytic_grid = float(0.5 * KAPPA * (cx ** 2 + cy ** 2).sum() * h * h)
    k = 2 * np.pi * np.fft.fftfreq(N, d=h)
    KX, KY = np.meshgrid(k, k)
    grad_spectral_grid = float(0.5 * KAPPA * ((KX ** 2 + KY ** 2) * np.abs(np.fft.fft2(c)) ** 2).sum() / N ** 2 * h * h)
    b300, g300 = continuous(300)
    b400, g400 = continuous(400)
    bulk_cont, grad_cont = b400, g400
    F_cont = bulk_cont + grad_cont

    print("     step 0 (csv):  free_energy %.10f  bulk %.10f  gradient %.10f" % (r0["free_energy"], r0["bulk_energy"], r0["gradient_energy"]))
    print("     grid (numpy):  bulk %.10f  gradient spectral %.10f  gradient analytic %.10f (seam excess x%.2f)"
          % (bulk_grid, grad_spectral_grid, grad_analytic_grid, grad_spectral_grid / grad_analytic_grid))
    print("     continuous:    bulk %.10f  gradient %.10f  total %.10f (Gauss-Legendre 400^2; 300^2 differs by %.1e)"
          % (bulk_cont, grad_cont, F_cont, abs(b300 + g300 - F_cont)))
    check(abs(b300 + g300 - F_cont) <= 1e-12 * F_cont, "pfhub1a: continuous quadrature converged (300 vs 400 nodes: %.2e)" % abs(b300 + g300 - F_cont))
    check(rel(r0["bulk_energy"], bulk_grid) <= 1e-11,
          "pfhub1a: bulk_energy(0) = numpy sum of f(c) on the grid: rel %.2e <= 1e-11" % rel(r0["bulk_energy"], bulk_grid))
    check(rel(r0["gradient_energy"], grad_spectral_grid) <= 1e-10,
          "pfhub1a: gradient_energy(0) = numpy-FFT Parseval sum on the grid: rel %.2e <= 1e-10" % rel(r0["gradient_energy"], grad_spectral_grid))
    check(rel(r0["free_energy"], r0["bulk_energy"] + r0["gradient_energy"]) <= 1e-12, "pfhub1a: free_energy = bulk + gradient")
    check(rel(r0["bulk_energy"], bulk_cont) <= 1e-4,
          "pfhub1a: bulk_energy(0) vs continuous integral: rel %.2e <= 1e-4 (rectangle rule, non-periodic integrand)" % rel(r0["bulk_energy"], bulk_cont))
    check(rel(r0["free_energy"], F_cont) <= 1e-3,
          "pfhub1a: free_energy(0) vs continuous integral %.6f: rel %.2e <= 1e-3 (seam of the non-periodic field)" % (F_cont, rel(r0["free_energy"], F_cont)))

    F = np.array([r["free_energy"] for r in rows])
    dF = np.diff(F)
    worst = float(dF.max())
    check(np.all(dF <= 1e-12 * np.abs(F[:-1])), "pfhub1a: free energy non-increasing over %d rows to t = %g (largest change %+.3e)" % (len(F), rows[-1]["t"], worst))
    check(rows[-1]["t"] == 100.0 and F[-1] < 0.6 * F[0], "pfhub1a: t = 100 reached, F %.4f -> %.4f (decomposition under way)" % (F[0], F[-1]))
    cm = np.array([r["c_mean"] for r in rows])
    check(np.max(np.abs(cm - cm[0])) <= 1e-12, "pfhub1a: c_mean constant: max dev %.2e <= 1e-12" % np.max(np.abs(cm - cm[0])))


def wall_gradient_sum(c, h):
    """sum over the grid of |grad c|^2 for the cosine series of c on cell centres (scipy's
    DCT-II/DST-III, independent of uphill's FFTW transforms): d/dx of sum a_n cos(k_n x) is
    -sum k_n a_n sin(k_n x), k_n = pi n/L; frequency N of the sine series does not exist."""
    from scipy.fft import dct, dst
    N = c.shape[0]
    k = np.pi * np.arange(N) / (N * h)
    total = 0.0
    for ax in (0, 1):
        a = dct(dct(c, type=2, axis=0), type=2, axis=1)  # 4 sum c cos cos
        kk = k.reshape((N, 1)) if ax == 0 else k.reshape((1, N))
        b = -kk * a  # sine coefficients along ax, frequency n = 1..N-1
        b = np.roll(b, -1, axis=ax)  # DST-III input j is frequency j+1
        if ax == 0:
            b[-1, :] = 0.0
            g = dst(b, type=3, axis=0)
            g = dct(g, type=3, axis=1)
        else:
            b[:, -1] = 0.0
            g = dst(b, type=3, axis=1)
            g = dct(g, type=3, axis=0)
        g /= 4.0 * N * N  # a DCT-II/III pair scales by 2N per axis
        total += float((g ** 2).sum())
    return total


def pfhub1b(args):
    """PFHub 1b: the 1a problem with no-flux walls, from inputs/pfhub1b.opts."""
    N, L = 200, 200.0
    out = os.path.join(args.workdir, "pfhub1b")
    shutil.rmtree(out, ignore_errors=True)
    opts_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inputs", "pfhub1b.opts")
    opts = ["-options_file", opts_file, "-dt", "0.25", "-t_end", "100", "-diag_every", "20",
            "-frames", "0", "-quiet", "-fftw_plan", "estimate", "-fftw_wisdom", "none", "-output", out]
    p = run(args, 2, opts)
    if not check(p.ok, "pfhub1b: uphill ran inputs/pfhub1b.opts (2 ranks, 200^2 walls, dt = 0.25 to t = 100)", p):
        return
    header, rows = read_csv(os.path.join(out, "diagnostics.csv"))
    r0 = rows[0]
    # the cell centres x = (i + 1/2) h; array [y][x]
    h = L / N
    g = (np.arange(N) + 0.5) * h
    X, Y = np.meshgrid(g, g)
    c, cx, cy = pfhub_field(X, Y)
    bulk_grid = float(fpoly(c).sum() * h * h)
    grad_grid = 0.5 * KAPPA * wall_gradient_sum(c, h) * h * h
    grad_analytic = float(0.5 * KAPPA * (cx ** 2 + cy ** 2).sum() * h * h)
    F_cont = sum(continuous(400))
    print("     step 0 (csv):  free_energy %.10f  bulk %.10f  gradient %.10f" % (r0["free_energy"], r0["bulk_energy"], r0["gradient_energy"]))
    print("     cell centres:  bulk %.10f  gradient (cosine series, scipy) %.10f  gradient analytic %.10f" % (bulk_grid, grad_grid, grad_analytic))
    print("     continuous:    total %.10f" % F_cont)
    check(rel(r0["bulk_energy"], bulk_grid) <= 1e-11,
          "pfhub1b: bulk_energy(0) = numpy sum of f(c) at the cell centres: rel %.2e <= 1e-11" % rel(r0["bulk_energy"], bulk_grid))
    check(rel(r0["gradient_energy"], grad_grid) <= 1e-10,
          "pfhub1b: gradient_energy(0) = scipy DCT/DST gradient of the cosine series: rel %.2e <= 1e-10" % rel(r0["gradient_energy"], grad_grid))
    check(rel(r0["free_energy"], bulk_grid + grad_grid) <= 1e-11,
          "pfhub1b: free_energy(0) = the benchmark formula on the cell-centred grid: rel %.2e <= 1e-11" % rel(r0["free_energy"], bulk_grid + grad_grid))
    # walls have no seam: the grid value is the continuous integral to the midpoint rule's
    # O(h^2) and the cosine series' O(h) gradient error at the walls
    check(rel(r0["free_energy"], F_cont) <= 1e-5,
          "pfhub1b: free_energy(0) vs continuous integral %.6f: rel %.2e <= 1e-5" % (F_cont, rel(r0["free_energy"], F_cont)))
    F = np.array([r["free_energy"] for r in rows])
    dF = np.diff(F)
    check(np.all(dF <= 1e-12 * np.abs(F[:-1])), "pfhub1b: free energy non-increasing over %d rows to t = %g (largest change %+.3e)" % (len(F), rows[-1]["t"], float(dF.max())))
    check(rows[-1]["t"] == 100.0 and F[-1] < 0.6 * F[0], "pfhub1b: t = 100 reached, F %.4f -> %.4f (decomposition under way)" % (F[0], F[-1]))
    cm = np.array([r["c_mean"] for r in rows])
    check(np.max(np.abs(cm - cm[0])) <= 1e-12, "pfhub1b: c_mean constant: max dev %.2e <= 1e-12" % np.max(np.abs(cm - cm[0])))


# ---- diagnostics.csv and restart ------------------------------------------------------

DESIGN_COLUMNS = ["step", "t", "dt", "free_energy", "bulk_energy", "gradient_energy", "mixing_entropy", "mixing_enthalpy",
                  "c_mean", "c_min", "c_max", "spinodal_fraction", "length"]


def csv_checks(args):
    N = 32
    out1 = os.path.join(args.workdir, "csv_run1")
    out2 = os.path.join(args.workdir, "csv_run2")
    for d in (out1, out2):
        shutil.rmtree(d, ignore_errors=True)
    phys = ["-units", "reduced", "-chi", "3", "-N", str(N), "-L", "32", "-dt", "0.2", "-frames", "0", "-quiet", "-fftw_wisdom", "none"]
    p = run(args, 2, phys + ["-c0", "0.4", "-noise", "0.05", "-t_end", "10", "-diag_every", "1", "-output", out1])
    if not check(p.ok, "csv: first run (2 ranks, 32^2, fixed step 0.2: 50 steps, a row every step)", p):
        return
    header, rows = read_csv(os.path.join(out1, "diagnostics.csv"))
    missing = [c for c in DESIGN_COLUMNS if c not in header]
    check(not missing, "csv: header has every DESIGN.md section 5 column (missing: %s)" % (missing or "none"))
    check(header[:len(DESIGN_COLUMNS)] == DESIGN_COLUMNS, "csv: the section 5 columns come first, in the documented order")
    check([r["step"] for r in rows] == list(range(51)), "csv: one row per step 0..50 with -diag_every 1 (%d rows)" % len(rows))
    tt = np.array([r["t"] for r in rows])
    check(np.max(np.abs(tt - 0.2 * np.arange(len(rows)))) <= 1e-12, "csv: t = 0.2 step")
    cm = np.array([r["c_mean"] for r in rows])
    check(np.max(np.abs(cm - cm[0])) <= 1e-12, "csv: c_mean constant: max |c_mean - c_mean(0)| %.2e <= 1e-12" % np.max(np.abs(cm - cm[0])))
    F = np.array([r["free_energy"] for r in rows])
    dF = np.diff(F)
    check(np.all(dF <= 1e-12 * np.abs(F[:-1])), "csv: free_energy non-increasing (largest step change %+.3e)" % dF.max())
    check(F[-1] < F[0], "csv: free energy fell %.6f -> %.6f" % (F[0], F[-1]))
    cmin = min(r["c_min"] for r in rows)
    cmax = max(r["c_max"] for r in rows)
    check(0 < cmin and cmax < 1, "csv: c_min/c_max inside (0,1) (overall %.4f, %.4f)" % (cmin, cmax))
    check(all(abs(r["free_energy"] - r["bulk_energy"] - r["gradient_energy"]) <= 1e-11 * abs(r["bulk_energy"]) for r in rows),
          "csv: free_energy = bulk_energy + gradient_energy on every row")

    with h5py.File(os.path.join(out1, "final.h5"), "r") as f:
        c = np.array(f["c"])
        tattr = float(np.ravel(f["c"].attrs["time"])[0]) if "time" in f["c"].attrs else float("nan")
    last = rows[-1]
    check(c.shape == (N, N), "csv: final.h5 /c has shape %s == (%d, %d)" % (c.shape, N, N))
    check(abs(tattr - 10.0) <= 1e-12, "csv: final.h5 /c time attribute %.6g = t_end 10" % tattr)
    check(abs(c.mean() - last["c_mean"]) <= 1e-12 and abs(c.min() - last["c_min"]) <= 1e-12 and abs(c.max() - last["c_max"]) <= 1e-12,
          "csv: final.h5 mean/min/max (%.12f, %.12f, %.12f) match the last row" % (c.mean(), c.min(), c.max()))

    # restart from final.h5 on another rank count
    p = run(args, 3, phys + ["-ic", "file", "-ic_file", os.path.join(out1, "final.h5"), "-t_end", "0.2", "-max_steps", "1", "-output", out2])
    if not check(p.ok, "csv: second run from final.h5 (-ic file, 3 ranks, one step to t_end = 0.2)", p):
        return
    _, rows2 = read_csv(os.path.join(out2, "diagnostics.csv"))
    first = rows2[0]
    check(first["step"] == 0 and len(rows2) == 2, "csv: second run wrote rows for steps 0 and 1 (%d rows)" % len(rows2))
    for col in ("c_mean", "c_min", "c_max", "free_energy", "bulk_energy", "gradient_energy"):
        r = rel(first[col], last[col])
        check(r <= 1e-12, "csv: restart row 0 %s %.12e = first run's last row %.12e: rel %.2e <= 1e-12" % (col, first[col], last[col], r))

    # a NaN in the file is a bad input: refused at the start as not admissible, naming the
    # NaN, for both models (not a "numerical failure ... reduce -dt" after a step)
    bad = os.path.join(args.workdir, "csv_nan.h5")
    cn = c.copy()
    cn[5, 7] = np.nan
    with h5py.File(bad, "w") as f:
        f["c"] = cn
    for model in (["-units", "reduced", "-chi", "3"], ["-model", "polynomial"]):
        out3 = os.path.join(args.workdir, "csv_nan_run")
        shutil.rmtree(out3, ignore_errors=True)
        r = run(args, 2, model + ["-N", str(N), "-L", "32", "-dt", "0.2", "-t_end", "1", "-ic", "file", "-ic_file", bad,
                                  "-frames", "0", "-quiet", "-fftw_wisdom", "none", "-output", out3])
        msg = [l for l in r.stderr.splitlines() if l.startswith("uphill: error")]
        print("     " + (msg[0] if msg else "(no error message)"))
        check(r.returncode == 1 and any("not admissible" in l and "NaN" in l for l in msg),
              "csv: %s: a NaN in -ic_file is refused at the start (status 1), naming the NaN" % model[1], r)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["pfhub1a", "pfhub1b", "csv"])
    ap.add_argument("--uphill", required=True)
    ap.add_argument("--workdir", default=".")
    add_mpi_args(ap)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    if args.what == "pfhub1a":
        pfhub1a(args)
    elif args.what == "pfhub1b":
        pfhub1b(args)
    else:
        csv_checks(args)
    return _tally.finish()


if __name__ == "__main__":
    sys.exit(main())
