#!/usr/bin/python3
"""Rank independence (DESIGN.md section 3): the same uphill run at 1, 2 and 4 ranks.

 - initial fields (dump_ic: the run's own set-up, written before any step) are bitwise
   identical at every rank count: the random field is a hash of the global index;
 - final.h5 /c agrees with the 1-rank run to 1e-10 (max abs difference); only the FFT's
   summation order may differ between decompositions;
 - the last diagnostics row (free energy, c_mean) agrees to 1e-10 relative;
 - structure_factor.csv has the same rows (step, t, k) and S agrees to 1e-10 of the
   largest S of its row.

Cases: 2D regular (48^2), 3D regular (16^3), 2D polynomial with the PFHub 1a field (64^2),
rectangular boxes (2D 64 x 24, 3D 20 x 12 x 8), a diffusion couple on a 128 x 8 strip,
regular and polynomial runs with thermal noise at 1 and 2 ranks, no-flux walls (2D 50^2 and 3D
18^3 at 1, 2, 4 ranks; a 40 x 24 box and a couple between walls; with thermal noise at 1 and 2),
and a 9^2 grid at 3 and 4 ranks (at 4 ranks FFTW leaves rank 3 with zero rows).

Needs numpy and h5py (Debian: /usr/bin/python3). Prints one line per check and
"N passed, M failed"; exits non-zero on any failure.
"""
import argparse
import csv
import os
import shutil
import sys

import numpy as np

from testlib import Tally, add_mpi_args, mpirun, read_field

TOL_FIELD = 1e-10
TOL_DIAG = 1e-10

_tally = Tally()


def check(ok, what, p=None):
    if not _tally.check(ok, what) and p is not None:
        p.show()
    return ok


def last_row(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return rows[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--uphill", required=True)
    ap.add_argument("--dump-ic", required=True)
    ap.add_argument("--workdir", default="ranks")
    add_mpi_args(ap)
    args = ap.parse_args()

    # the 2D regular case plans with the default FFTW_MEASURE, so its plans may differ
    # between decompositions (round-off, hence the 1e-10 tolerance); the others estimate
    common = ["-frames", "0", "-quiet", "-fftw_wisdom", "none"]
    est = ["-fftw_plan", "estimate"]
    cases = [
        ("2d_regular", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-N", "48", "-L", "48", "-dt", "0.2", "-t_end", "20"]),
        ("3d_regular", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-dim", "3", "-N", "16", "-L", "16", "-dt", "0.2", "-t_end", "10"] + est),
        ("2d_pfhub1a", [1, 2, 4], ["-model", "polynomial", "-ic", "pfhub1a", "-N", "64", "-L", "64", "-dt", "0.2", "-t_end", "10"] + est),
        # thermal noise: the random flux of a step is a hash of (seed, step, axis, point)
        ("2d_thermal_noise", [1, 2], ["-units", "reduced", "-chi", "3", "-N", "48", "-L", "48", "-dt", "0.2", "-t_end", "20",
                                       "-thermal_noise", "-noise_theta", "1e-3"] + est),
        ("2d_poly_thermal_noise", [1, 2], ["-model", "polynomial", "-N", "32", "-L", "32", "-dt", "0.05", "-t_end", "5",
                                            "-thermal_noise", "-noise_theta", "1e-3"] + est),
        # rectangular boxes: each axis its own points and side (slab along the last axis)
        ("2d_rect", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-N", "64,24", "-L", "48,20", "-dt", "0.2", "-t_end", "20"] + est),
        ("3d_rect", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-dim", "3", "-N", "20,12,8", "-L", "16,10,8", "-dt", "0.2", "-t_end", "10"] + est),
        # a diffusion couple with noise on a strip
        ("2d_couple", [1, 2], ["-units", "reduced", "-chi", "2.5", "-ic", "couple", "-couple_c", "0.35,0.6", "-noise", "0.01",
                               "-N", "128,8", "-L", "128,8", "-dt", "0.2", "-t_end", "20"] + est),
        # no-flux walls: the flux along the distributed spectral axis (x in 2D, y in 3D) shifts
        # its sine coefficients across ranks; N = 50 and 18 are not multiples of 4
        ("2d_walls", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-bc", "noflux", "-N", "50", "-L", "50", "-dt", "0.2", "-t_end", "20"] + est),
        ("3d_walls", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-bc", "noflux", "-dim", "3", "-N", "18", "-L", "18", "-dt", "0.2", "-t_end", "6"] + est),
        ("2d_walls_thermal_noise", [1, 2], ["-units", "reduced", "-chi", "3", "-bc", "noflux", "-N", "30", "-L", "30", "-dt", "0.2", "-t_end", "10",
                                             "-thermal_noise", "-noise_theta", "1e-3"] + est),
        ("2d_rect_walls", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-bc", "noflux", "-N", "40,24", "-L", "40,20", "-dt", "0.2", "-t_end", "20"] + est),
        ("2d_couple_walls", [1, 2], ["-units", "reduced", "-chi", "2.5", "-bc", "noflux", "-ic", "couple", "-couple_c", "0.35,0.6", "-noise", "0.01",
                                     "-N", "128,8", "-L", "128,8", "-dt", "0.2", "-t_end", "20"] + est),
        ("2d_n9_empty_rank", [1, 3, 4], ["-units", "reduced", "-chi", "3", "-N", "9", "-L", "9", "-dt", "0.1", "-t_end", "5"] + est),
    ]
    shutil.rmtree(args.workdir, ignore_errors=True)
    for name, ranks, opts in cases:
        print("---- %s: %s" % (name, " ".join(opts)), flush=True)
        ics, finals, diags, sfacs = {}, {}, {}, {}
        for np_ in ranks:
            out = os.path.join(args.workdir, "%s_np%d" % (name, np_))
            p = mpirun(args, np_, [args.dump_ic] + opts + common + ["-output", out + "_ic"])
            if check(p.ok, "%s: dump_ic at %d rank(s) ran" % (name, np_), p):
                ics[np_] = read_field(os.path.join(out + "_ic", "ic.h5"))
            p = mpirun(args, np_, [args.uphill] + opts + common + ["-output", out])
            if check(p.ok, "%s: uphill at %d rank(s) ran" % (name, np_), p):
                finals[np_] = read_field(os.path.join(out, "final.h5"))
                diags[np_] = last_row(os.path.join(out, "diagnostics.csv"))
                sfacs[np_] = np.loadtxt(os.path.join(out, "structure_factor.csv"), delimiter=",", skiprows=1, ndmin=2)
        ref = ranks[0]
        if ref not in ics or ref not in finals:
            check(False, "%s: reference run at %d rank(s) missing" % (name, ref))
            continue
        n = ics[ref].shape
        print("     field shape %s, initial c in [%.6f, %.6f], final c in [%.6f, %.6f]"
              % (n, ics[ref].min(), ics[ref].max(), finals[ref].min(), finals[ref].max()))
        moved = float(np.max(np.abs(finals[ref] - ics[ref])))
        check(moved > 1e-3, "%s: the field evolved (max |final - initial| %.4f > 1e-3)" % (name, moved))
        for np_ in ranks[1:]:
            if np_ in ics:
                same = ics[np_].shape == ics[ref].shape and np.array_equal(ics[np_], ics[ref])
                nd = int(np.count_nonzero(ics[np_] != ics[ref])) if ics[np_].shape == ics[ref].shape else -1
                check(same, "%s: initial field at %d ranks bitwise equal to %d rank(s) (%d points differ)" % (name, np_, ref, nd))
            if np_ in finals:
                d = float(np.max(np.abs(finals[np_] - finals[ref]))) if finals[np_].shape == finals[ref].shape else float("inf")
                check(d <= TOL_FIELD, "%s: final.h5 /c at %d ranks vs %d: max |diff| %.3e <= %.0e" % (name, np_, ref, d, TOL_FIELD))
                a, b = sfacs[np_], sfacs[ref]
                same = a.shape == b.shape and np.array_equal(a[:, :3], b[:, :3])
                # S against the largest S of its row (decayed shells hold values near round-off)
                rel = float(np.max(np.abs(a[:, 3] - b[:, 3]) / np.array([b[b[:, 0] == s_, 3].max() for s_ in b[:, 0]]))) if same else float("inf")
                check(same and rel <= TOL_FIELD, "%s: structure_factor.csv at %d ranks vs %d: same %d rows (step, t, k), "
                      "max |dS|/max S %.2e <= %.0e" % (name, np_, ref, len(b), rel, TOL_FIELD))
                for col in ("free_energy", "c_mean", "step", "t"):
                    a, b = float(diags[np_][col]), float(diags[ref][col])
                    rel = abs(a - b) / max(abs(b), 1e-300) if b != 0 else abs(a)
                    check(rel <= TOL_DIAG, "%s: last diagnostics row %s at %d ranks %.12e vs %.12e: rel %.2e <= %.0e"
                          % (name, col, np_, a, b, rel, TOL_DIAG))
    return _tally.finish()


if __name__ == "__main__":
    sys.exit(main())
