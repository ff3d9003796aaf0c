#!/usr/bin/python3
"""Error-controlled (adaptive) runs of the uphill program, the default time stepping.

Regular model, chi = 3, 64^2, L = 48, to t = 300 with a diagnostics row at every step
(-adapt_tol 1e-4, no -dt):
  - one row per accepted step, t_end reached exactly, the steps really vary;
  - mass (c_mean) constant to 1e-12 relative at every row;
  - the free energy non-increasing at every accepted step (1e-11 of the run's energy scale
    for round-off); c inside (0,1);
  - the "done" summary on stdout agrees with the rows; -quiet prints nothing on stdout;
  - rows at every step (whose flux measures borrow the scheme's work array) leave final.h5
    bitwise equal to a run with almost no rows;
  - a run stopped by SIGUSR1 (sent to mpiexec, forwarded to the ranks) and continued with
    -restart auto: diagnostics.csv byte-equal and final.h5 bitwise equal to the
    uninterrupted run (2 ranks, -fftw_plan estimate, -fftw_wisdom none);
  - the same run on 1, 2 and 4 ranks: the same number of steps, final.h5 equal to 1e-10;
  - -dt X -adapt makes X the first step; -scheme euler is controlled too (to t = 100).
Polynomial model (PFHub 1a field), 64^2, L = 64, to t = 200: mass and energy as above.
-flux auto on a deep under-resolved quench (chi = 5, 32^2, L = 40): one retry at a smaller
step, then the switch to the logarithmic flux, c inside (0,1); -flux ideal fails, naming why.

Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
"""
import argparse, os, shutil, sys

import numpy as np

from testlib import Tally, add_mpi_args, csv_rows, maxdiff, mpirun, read_csv, text

ap = argparse.ArgumentParser()
ap.add_argument("--uphill", required=True)
ap.add_argument("--workdir", required=True)
add_mpi_args(ap)
args = ap.parse_args()
shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)
W = args.workdir

# the tolerance is given (not the default) so the test's cost does not follow the default's tuning
COMMON = ["-adapt_tol", "1e-4", "-diag_every", "1", "-frames", "4", "-fftw_plan", "estimate", "-fftw_wisdom", "none"]
REGULAR = ["-units", "reduced", "-chi", "3", "-N", "64", "-L", "48", "-t_end", "300"] + COMMON
POLY = ["-model", "polynomial", "-N", "64", "-L", "64", "-t_end", "200"] + COMMON
_tally = Tally()


def check(ok, what, p=None):
    if not _tally.check(ok, what) and p is not None:
        p.show()
    return ok


def run(np_, opts, out, **kw):
    return mpirun(args, np_, [args.uphill] + opts + ["-output", out], **kw)



def invariants(name, out, t_end):
    """Rows, time, mass, energy and bounds of a finished adaptive run; its number of steps."""
    _, rows = read_csv(os.path.join(out, "diagnostics.csv"))
    steps = [int(r["step"]) for r in rows]
    n = steps[-1]
    check(steps == list(range(n + 1)), f"{name}: one row per step 0..{n} (-diag_every 1)")
    t = np.array([r["t"] for r in rows])
    dt = np.diff(t)
    check(t[-1] == t_end and np.all(dt > 0), f"{name}: t increases to t_end = {t_end} exactly (last t {t[-1]!r})")
    check(dt.max() > 10 * dt.min(), f"{name}: the step varies ({dt.min():.3g} .. {dt.max():.3g}): error-controlled")
    cm = np.array([r["c_mean"] for r in rows])
    dm = float(np.max(np.abs(cm - cm[0])) / abs(cm[0]))
    check(dm <= 1e-12, f"{name}: c_mean constant at every row: max relative change {dm:.2e} <= 1e-12")
    F = np.array([r["free_energy"] for r in rows])
    scale = np.maximum(np.abs(F[:-1]), abs(F[0]))
    rise = np.diff(F) / scale
    bad = np.nonzero(rise > 1e-11)[0]
    check(bad.size == 0, f"{name}: free energy non-increasing at every accepted step ({F[0]:.6g} -> {F[-1]:.6g}; "
          f"largest relative rise {rise.max():+.2e}, {bad.size} rows above 1e-11{', first at step %d' % steps[bad[0] + 1] if bad.size else ''})")
    check(F[-1] < F[0], f"{name}: the free energy fell")
    return n, rows


# ---- the reference: 2 ranks, with progress output ----
ref = os.path.join(W, "ref")
p = run(2, REGULAR, ref)
if not check(p.ok, "regular adaptive run (2 ranks, 64^2, t = 300, no -dt) finishes with status 0", p):
    sys.exit(_tally.finish())
nref, rows = invariants("regular", ref, 300.0)
cmin, cmax = min(r["c_min"] for r in rows), max(r["c_max"] for r in rows)
check(0 < cmin and cmax < 1, f"regular: c inside (0,1) at every row ({cmin:.4f}, {cmax:.4f})")
done = [l for l in p.stdout.splitlines() if l.startswith("done (")]
check(len(done) == 1 and done[0].startswith("done (reached t_end): %d steps" % nref),
      f"the summary on stdout: {done[0] if done else '(none)'}", p)
check("error-controlled" in p.stdout and p.stderr.strip() == "", "the start line says error-controlled; nothing on stderr", p)

# ---- rows are made between steps with the scheme's free work array (the flux measures borrow
# psi's): a row at every step leaves the trajectory bitwise as it is with almost none ----
few = os.path.join(W, "few_rows")
p = run(2, REGULAR + ["-quiet", "-diag_every", "1000000000"], few)
if check(p.ok, "the same run with almost no rows finishes", p):
    d = maxdiff(os.path.join(ref, "final.h5"), os.path.join(few, "final.h5"))
    check(d == 0.0, f"rows at every step change nothing: final.h5 equal bitwise (max diff {d:.3g})")

# ---- interrupted by SIGUSR1 and continued: exact ----
cut = os.path.join(W, "cut")
csv = os.path.join(cut, "diagnostics.csv")
p = run(2, REGULAR + ["-quiet"], cut, signal_when=lambda: csv_rows(csv) > 30)
check(p.signalled and p.returncode == 3, f"SIGUSR1 to mpiexec mid-run: status 3 (got {p.returncode})", p)
check("stopped by signal 10" in p.stderr and "-restart auto" in p.stderr, "the stop message names the signal and -restart auto", p)
check(p.stdout == "", "-quiet: nothing on stdout", p)
ck = sorted(f for f in os.listdir(cut) if f.startswith("checkpoint_"))
stop = int(ck[-1][11:19]) if ck else -1
check(0 < stop < nref, f"stopped mid-run at step {stop} of {nref}")
p = run(2, REGULAR + ["-quiet", "-restart", "auto"], cut)
check(p.ok, "-restart auto finishes", p)
check(text(os.path.join(ref, "diagnostics.csv")) == text(csv), "continued diagnostics.csv equals the uninterrupted one byte for byte")
d = maxdiff(os.path.join(ref, "final.h5"), os.path.join(cut, "final.h5"))
check(d == 0.0, f"continued final.h5 equals the uninterrupted one bitwise (max diff {d:.3g})")
check(sorted(os.listdir(os.path.join(cut, "frames"))) == sorted(os.listdir(os.path.join(ref, "frames"))), "the same frames")

# ---- rank independence ----
finals, nsteps = {2: os.path.join(ref, "final.h5")}, {2: nref}
for np_ in (1, 4):
    out = os.path.join(W, f"np{np_}")
    p = run(np_, REGULAR + ["-quiet"], out)
    if check(p.ok, f"the same run on {np_} rank(s) finishes", p):
        finals[np_] = os.path.join(out, "final.h5")
        nsteps[np_] = int(text(os.path.join(out, "diagnostics.csv")).splitlines()[-1].split(",")[0])
for np_ in (2, 4):
    if 1 in finals and np_ in finals:
        d = maxdiff(finals[1], finals[np_])
        check(d <= 1e-10, f"final.h5 at {np_} ranks vs 1 rank: max |diff| {d:.3g} <= 1e-10")
        check(nsteps[np_] == nsteps[1], f"the same number of steps at {np_} ranks and 1 rank ({nsteps[np_]}, {nsteps[1]})")

# ---- -dt X -adapt: X is the first step; Euler under error control ----
first = os.path.join(W, "first")
p = run(2, REGULAR + ["-quiet", "-dt", "1e-3", "-adapt"], first)
if check(p.ok, "-dt 1e-3 -adapt finishes", p):
    _, r1 = read_csv(os.path.join(first, "diagnostics.csv"))
    check(r1[1]["t"] == 1e-3 and r1[-1]["t"] == 300.0, f"-dt 1e-3 -adapt: the first step is 1e-3 (t of row 1: {r1[1]['t']!r}), then controlled to t_end")
eul = os.path.join(W, "euler")
p = run(1, REGULAR + ["-quiet", "-scheme", "euler", "-t_end", "100"], eul)
if check(p.ok, "-scheme euler with error control finishes (1 rank, t = 100)", p):
    n_eul, _ = invariants("regular euler", eul, 100.0)
    n_bdf2 = sum(1 for r in rows if r["t"] <= 100.0) - 1
    # (2.7x without the mobility sweep; 1.8x with it, whose BDF2 error is mostly Milne's)
    check(n_eul > 1.5 * n_bdf2, f"first order needs more steps at the same tolerance ({n_eul} > 1.5 x {n_bdf2} of BDF2 to t = 100)")

# ---- polynomial model ----
poly = os.path.join(W, "poly")
p = run(2, POLY + ["-quiet"], poly)
if check(p.ok, "polynomial adaptive run (2 ranks, 64^2, L = 64, t = 200) finishes", p):
    invariants("polynomial", poly, 200.0)

# ---- -flux auto on a deep, under-resolved quench (chi = 5, h = 1.25): the log-free flux takes
# c to 0 whatever the step, so the controller retries once and then switches to the
# logarithmic flux; with -flux ideal the same run fails with the cause named ----
DEEP = ["-units", "reduced", "-chi", "5", "-c0", "0.3", "-seed", "1", "-N", "32", "-L", "40", "-t_end", "20",
        "-frames", "0", "-fftw_plan", "estimate", "-fftw_wisdom", "none", "-info"]
deep = os.path.join(W, "deep")
p = run(1, DEEP + ["-flux", "auto"], deep)
if check(p.ok, "deep quench, -flux auto: finishes", p):
    out = p.stdout + p.stderr
    check("continuing with the logarithmic flux" in out, "deep quench: the switch to the logarithmic flux is announced", p)
    rej = [l for l in out.splitlines() if "rejected (c left (0,1)" in l]
    check(len(rej) >= 2, f"deep quench: the switch came after a retry at a smaller step ({len(rej)} trials out of (0,1))", p)
    _, rows = read_csv(os.path.join(deep, "diagnostics.csv"))
    cmin, cmax = min(r["c_min"] for r in rows), max(r["c_max"] for r in rows)
    check(0 < cmin and cmax < 1, f"deep quench: c inside (0,1) at every row ({cmin:.3g}, {cmax:.4f})")
p = run(1, DEEP + ["-flux", "ideal"], os.path.join(W, "deep_ideal"))
check(p.returncode != 0 and "c left (0,1)" in p.stderr and "numerical failure" in p.stderr,
      "deep quench, -flux ideal: a numerical failure that names c leaving (0,1)", p)

sys.exit(_tally.finish())
