#!/usr/bin/python3
"""Order of accuracy in time: a single cosine mode of finite amplitude growing into the
nonlinear regime (chi = 3, 64^2, t = 20), run at dt = 0.4, 0.2, 0.1, 0.05 against
dt = 0.0125. The error must fall by ~2 per halving for -scheme euler and by ~4 for
-scheme bdf2, and BDF2 must be the more accurate at every dt."""
import argparse, os, shutil, sys

import numpy as np

from testlib import Tally, read_field, run

ap = argparse.ArgumentParser()
ap.add_argument("--uphill", required=True)
ap.add_argument("--workdir", required=True)
args = ap.parse_args()
shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)
t = Tally()
DTS = ["0.4", "0.2", "0.1", "0.05", "0.0125"]
err = {}
for sch in ("euler", "bdf2"):
    fields = {}
    for dt in DTS:
        out = os.path.join(args.workdir, f"{sch}_{dt}")
        r = run([args.uphill, "-units", "reduced", "-chi", "3", "-c0", "0.5", "-ic", "mode", "-ic_mode", "3",
                 "-ic_amp", "0.05", "-N", "64", "-L", "40", "-dt", dt, "-t_end", "20", "-frames", "0", "-quiet",
                 "-fftw_wisdom", "none", "-scheme", sch, "-output", out])
        if not t.check(r.ok, f"{sch} dt = {dt} runs"):
            r.show()
            sys.exit(t.finish())
        fields[dt] = read_field(os.path.join(out, "final.h5"))
    ref = fields[DTS[-1]]
    err[sch] = [np.abs(fields[dt] - ref).max() for dt in DTS[:-1]]
    ratios = [err[sch][i] / err[sch][i + 1] for i in range(len(err[sch]) - 1)]
    print(f"{sch}: max errors {['%.3g' % e for e in err[sch]]}, ratios {['%.2f' % r for r in ratios]}")
    lo, hi = (1.6, 2.6) if sch == "euler" else (3.5, 4.6)
    t.check(all(lo <= r <= hi for r in ratios), f"{sch}: error ratio per halving of dt in [{lo}, {hi}]")
t.check(all(b < e / 5 for b, e in zip(err["bdf2"], err["euler"])), "bdf2 is at least 5x more accurate than euler at every dt")
sys.exit(t.finish())
