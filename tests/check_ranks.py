#!/usr/bin/python3
"""Rank independence (DESIGN.md section 3): the same uphill run at 1, 2 and 4 ranks.

 - initial fields (dump_ic: the run's own set-up, written before any step) are bitwise
   identical at every rank count: the random field is a hash of the global index;
 - final.h5 /c agrees with the 1-rank run to 1e-10 (max abs difference); only the FFT's
   summation order may differ between decompositions;
 - the last diagnostics row (free energy, c_mean) agrees to 1e-10 relative.

Cases: 2D regular (48^2), 3D regular (16^3), 2D polynomial with the PFHub 1a field (64^2),
regular and polynomial runs with thermal noise at 1 and 2 ranks, no-flux walls (2D 50^2 and 3D
18^3 at 1, 2, 4 ranks; with thermal noise at 1 and 2), and a 9^2 grid at 3 and 4 ranks (at 4 ranks FFTW leaves rank 3 with zero rows).

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
        # no-flux walls: the flux along the distributed spectral axis (x in 2D, y in 3D) shifts
        # its sine coefficients across ranks; N = 50 and 18 are not multiples of 4
        ("2d_walls", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-bc", "noflux", "-N", "50", "-L", "50", "-dt", "0.2", "-t_end", "20"] + est),
        ("3d_walls", [1, 2, 4], ["-units", "reduced", "-chi", "3", "-bc", "noflux", "-dim", "3", "-N", "18", "-L", "18", "-dt", "0.2", "-t_end", "6"] + est),
        ("2d_walls_thermal_noise", [1, 2], ["-units", "reduced", "-chi", "3", "-bc", "noflux", "-N", "30", "-L", "30", "-dt", "0.2", "-t_end", "10",
                                             "-thermal_noise", "-noise_theta", "1e-3"] + est),
        ("2d_n9_empty_rank", [1, 3, 4], ["-units", "reduced", "-chi", "3", "-N", "9", "-L", "9", "-dt", "0.1", "-t_end", "5"] + est),
    ]
    shutil.rmtree(args.workdir, ignore_errors=True)
    for name, ranks, opts in cases:
        print("---- %s: %s" % (name, " ".join(opts)), flush=True)
        ics, finals, diags = {}, {}, {}
        for np_ in ranks:
            out = os.path.join(args.workdir, "%s_np%d" % (name, np_))
            p = mpirun(args, np_, [args.dump_ic] + opts + common + ["-output", out + "_ic"])
            if check(p.ok, "%s: dump_ic at %d rank(s) ran" % (name, np_), p):
                ics[np_] = read_field(os.path.join(out + "_ic", "ic.h5"))
            p = mpirun(args, np_, [args.uphill] + opts + common + ["-output", out])
            if check(p.ok, "%s: uphill at %d rank(s) ran" % (name, np_), p):
                finals[np_] = read_field(os.path.join(out, "final.h5"))
                diags[np_] = last_row(os.path.join(out, "diagnostics.csv"))
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
                for col in ("free_energy", "c_mean", "step", "t"):
                    a, b = float(diags[np_][col]), float(diags[ref][col])
                    rel = abs(a - b) / max(abs(b), 1e-300) if b != 0 else abs(a)
                    check(rel <= TOL_DIAG, "%s: last diagnostics row %s at %d ranks %.12e vs %.12e: rel %.2e <= %.0e"
                          % (name, col, np_, a, b, rel, TOL_DIAG))
    return _tally.finish()


if __name__ == "__main__":
    sys.exit(main())
