#!/usr/bin/python3
"""Early-stage growth: tools/growth --early on real runs inside the spinodal.

A 128^2 regular-solution run (reduced units, chi = 3, c0 = 0.4, uniform noise 1e-3, fixed
dt = 0.05, BDF2, t = 0..20, a structure_factor.csv row every tau), then tools/growth --early:
 - k_m measured (the shell of the largest fitted R) within one shell of the continuum
   k_m = sqrt(-f''(c0)/(2 kappa));
 - R_max measured within 5 % of the continuum M0 f''(c0)^2/(4 kappa);
 - the measured rate of that shell within 0.5 % of the scheme's own rate at that k and dt
   (UphillSchemeDiscreteRate: the BDF2 recurrence);
 - the same run with -scheme euler: the first-order step's rate (about 6 % below the
   continuum at this dt, through the stabilizers) is what is measured, to 0.5 %, and it is
   more than 3 % from the continuum, so the two comparisons are told apart;
 - --window overrides the automatic window; a run whose initial noise is already beyond
   the linear range is refused with a message; the PNG is a PNG; uphill-linear refuses a
   missing -linear_k and a step <= 0.
"""
import argparse
import os
import shutil
import sys

from testlib import Tally, run

ap = argparse.ArgumentParser()
ap.add_argument("--uphill", required=True)
ap.add_argument("--linear", required=True)
ap.add_argument("--tools", required=True)
ap.add_argument("--workdir", required=True)
args = ap.parse_args()
_tally = Tally()
BASE = ["-units", "reduced", "-chi", "3", "-c0", "0.4", "-noise", "1e-3", "-seed", "3", "-dim", "2", "-N", "128",
        "-L", "128", "-dt", "0.05", "-adapt", "false", "-t_end", "20", "-diag_every", "20", "-frames", "0", "-quiet",
        "-fftw_plan", "estimate", "-fftw_wisdom", "none"]


def check(ok, what, p=None):
    if not _tally.check(ok, what) and p is not None:
        print(p.text[-2000:])
    return ok


def growth(rundir, extra=()):
    png = os.path.join(rundir, "amplification.png")
    p = run([sys.executable, os.path.join(args.tools, "growth"), rundir, "--early", "--bin", args.linear, "-o", png]
            + list(extra), timeout=120)
    vals = {}
    for line in p.stdout.splitlines():
        if "k_m_measured=" in line:
            vals = {k: float(v) for k, v in (w.split("=") for w in line.split()[1:])}
    return p, vals, png


def simulate(name, extra=()):
    d = os.path.join(args.workdir, name)
    p = run([args.uphill] + BASE + list(extra) + ["-output", d], timeout=120)
    check(p.ok, f"{name}: uphill run", p)
    return d


shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)

d = simulate("bdf2")
p, v, png = growth(d)
if check(p.ok and v, "tools/growth --early on the BDF2 run", p):
    print(p.stdout, end="")
    dkm = abs(v["k_m_measured"] - v["k_m_theory"])
    check(dkm <= v["dk"], f"k_m measured {v['k_m_measured']:.5f} vs theory {v['k_m_theory']:.5f}: "
          f"|diff| {dkm:.4f} <= one shell {v['dk']:.4f}")
    rel = abs(v["R_max_measured"] / v["R_max_theory"] - 1)
    check(rel <= 0.05, f"R_max measured {v['R_max_measured']:.5f} vs theory {v['R_max_theory']:.5f}: {100 * rel:.2f} % <= 5 %")
    rel = abs(v["R_max_measured"] / v["R_km_scheme"] - 1)
    check(rel <= 0.005, f"the fastest shell's rate {v['R_max_measured']:.6f} vs the BDF2 recurrence's "
          f"{v['R_km_scheme']:.6f}: {100 * rel:.3f} % <= 0.5 %")
    with open(png, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "amplification.png is a PNG")

p, w, _ = growth(d, ["--window", "0,10"])
check(p.ok and "0 <= t <= 10" in p.stdout and w and abs(w["R_max_measured"] / w["R_max_theory"] - 1) <= 0.05,
      "--window 0,10 is used and gives R_max within 5 % too", p)

d = simulate("euler", ["-scheme", "euler"])
p, v, _ = growth(d)
if check(p.ok and v, "tools/growth --early on the Euler run", p):
    print(p.stdout, end="")
    rel = abs(v["R_max_measured"] / v["R_km_scheme"] - 1)
    gap = abs(v["R_km_scheme"] / v["R_max_theory"] - 1)
    check(rel <= 0.005 and gap > 0.03, f"Euler: measured {v['R_max_measured']:.6f} vs the first-order step's rate "
          f"{v['R_km_scheme']:.6f}: {100 * rel:.3f} % <= 0.5 %, while the step's rate is {100 * gap:.1f} % > 3 % "
          "from the continuum R_max")

d = os.path.join(args.workdir, "noisy")
p = run([args.uphill] + BASE + ["-noise", "0.1", "-t_end", "1", "-output", d], timeout=60)
p, v, _ = growth(d)
check(p.returncode != 0 and "no linear stage" in p.text and "Traceback" not in p.text,
      "a run starting beyond the linear range is refused with a message", p)

# uphill-linear's own inputs: each refusal names the option and what it accepts
opts = os.path.join(args.workdir, "bdf2", "run.opts")
for extra, want in (([], "-linear_k k1,k2,..."), (["-linear_k", "1", "-linear_dt", "-1"], "-linear_dt must be > 0")):
    p = run([args.linear, "-options_file", opts] + extra, timeout=60)
    check(p.returncode != 0 and want in p.text, f"uphill-linear {' '.join(extra) or '(no -linear_k)'}: refused, naming {want!r}", p)

sys.exit(_tally.finish())
