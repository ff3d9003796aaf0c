#!/usr/bin/python3
"""Checkpoint/restart and signals, end to end with the uphill binary (fixed step; the
adaptive runs are in check_adaptive.py).

1. An uninterrupted 2-rank run (the reference).
2. The same run sent SIGUSR1 while it runs (as a batch scheduler's warning signal): the
   signal goes to mpiexec, which forwards it to the ranks; they finish the step, write a
   checkpoint and exit with status 3 and a message saying how to continue.
3. -restart auto continues it: diagnostics.csv and structure_factor.csv must equal the
   reference byte for byte
   (no duplicate, no missing row), the frames must be numbered on, and final.h5 must equal
   the reference bitwise (same rank count, same FFT plans: -fftw_plan estimate).
4. The same checkpoint continued on 1 and 3 ranks: final field equal to 1e-10.
5. A finished run extended with a later -t_end from its final checkpoint.
6. -checkpoint_every keeps only the newest two checkpoints.
7. BDF2 (the default) and Euler keep their history in the checkpoint: a continuation from a
   periodic checkpoint equals the uninterrupted run bitwise, and the rows the finished run
   wrote after that checkpoint are dropped from both CSV files (equal to the reference).
8. The same with no-flux walls (-bc noflux): bitwise on 2 ranks, 1e-10 on 3; a periodic run
   refuses the walls checkpoint.
"""
import argparse, os, shutil, sys


from testlib import Tally, add_mpi_args, csv_rows, maxdiff, mpirun, text

ap = argparse.ArgumentParser()
ap.add_argument("--uphill", required=True)
ap.add_argument("--workdir", required=True)
add_mpi_args(ap)
args = ap.parse_args()

# 3000 steps of 64^2 (h = 0.6, as the default inputs resolve the interfaces): a few
# seconds; the signal is sent once the first rows are written, well before the end
STEPS, DT = 3000, 0.1
BASE = ["-units", "reduced", "-chi", "3", "-N", "64", "-L", "38.5", "-dt", str(DT), "-t_end", "%g" % (STEPS * DT),
        "-frames", "8", "-frame_spacing", "linear", "-diag_every", "10", "-quiet",
        "-fftw_plan", "estimate", "-fftw_wisdom", "none"]
_tally = Tally()


def check(ok, what, p=None):
    if not _tally.check(ok, what) and p is not None:
        p.show()
    return ok


def run(np_, extra, out, **kw):
    return mpirun(args, np_, [args.uphill] + BASE + ["-output", out] + extra, **kw)



def checkpoints(d):
    return sorted(f for f in os.listdir(d) if f.startswith("checkpoint_") and f.endswith(".h5"))


shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)
ref = os.path.join(args.workdir, "ref")
p = run(2, [], ref)
if not check(p.ok, "reference run finishes", p):
    sys.exit(_tally.finish())
nsteps = int(text(os.path.join(ref, "diagnostics.csv")).splitlines()[-1].split(",")[0])
check(nsteps == STEPS, f"the reference took {nsteps} steps of {DT} (want {STEPS})")

# ---- 2. SIGUSR1 to mpiexec, forwarded to the ranks, once the run is under way ----
cut = os.path.join(args.workdir, "cut")
csv = os.path.join(cut, "diagnostics.csv")
p = run(2, [], cut, signal_when=lambda: csv_rows(csv) > 5)
check(p.signalled, "SIGUSR1 sent to mpiexec while the run was going")
check(p.returncode == 3, f"signalled run exits with status 3 (got {p.returncode})", p)
check("stopped by signal 10" in p.stderr and "-restart auto" in p.stderr and "checkpoint written to" in p.stderr,
      "signalled run says why it stopped, where the checkpoint is and how to continue", p)
ckpts = checkpoints(cut)
check(len(ckpts) == 1, f"one checkpoint written at the signal ({ckpts})")
stop_step = int(ckpts[-1][11:19]) if ckpts else -1
check(0 < stop_step < nsteps, f"stopped mid-run at step {stop_step} of {nsteps}")
check(not [f for f in os.listdir(cut) if f.endswith(".tmp")], "no temporary file left behind")
frames_before = len(os.listdir(os.path.join(cut, "frames")))

# ---- 3. continue on the same rank count ----
keep = os.path.join(args.workdir, "keep")
shutil.copytree(cut, keep)
p = run(2, ["-restart", "auto"], cut)
check(p.ok, "restart -auto finishes", p)
b = text(csv)
check(text(os.path.join(ref, "diagnostics.csv")) == b, "continued diagnostics.csv equals the uninterrupted one byte for byte")
check(text(os.path.join(ref, "structure_factor.csv")) == text(os.path.join(cut, "structure_factor.csv")),
      "continued structure_factor.csv equals the uninterrupted one byte for byte")
steps = [int(l.split(",")[0]) for l in b.splitlines()[1:]]
check(len(steps) == len(set(steps)) and steps == sorted(steps), "no duplicate rows, steps increasing")
fr = sorted(os.listdir(os.path.join(cut, "frames")))
check(fr == sorted(os.listdir(os.path.join(ref, "frames"))) and len(fr) > frames_before,
      f"frame numbering continues ({frames_before} before, {len(fr)} after)")
d = maxdiff(os.path.join(ref, "final.h5"), os.path.join(cut, "final.h5"))
check(d == 0.0, f"continued field equals the uninterrupted one bitwise (max diff {d:.3g})")

# ---- 4. continue on another rank count ----
for np_ in (1, 3):
    other = os.path.join(args.workdir, f"other{np_}")
    shutil.copytree(keep, other)
    p = run(np_, ["-restart", "auto"], other)
    d = maxdiff(os.path.join(ref, "final.h5"), os.path.join(other, "final.h5"))
    check(p.ok and d <= 1e-10, f"continued on {np_} rank(s): max diff {d:.3g} <= 1e-10", p)

# ---- 5. extend a finished run with a later -t_end ----
ext = os.path.join(args.workdir, "ext")
shutil.copytree(ref, ext)
t_ext = (STEPS + 100) * DT
p = run(2, ["-restart", "auto", "-t_end", "%g" % t_ext], ext)
rows = text(os.path.join(ext, "diagnostics.csv")).splitlines()
tlast = float(rows[-1].split(",")[1])
check(p.ok and abs(tlast - t_ext) < 1e-9, f"a later -t_end on the restart command line takes effect (t = {tlast})", p)
check(int(rows[-1].split(",")[0]) == nsteps + 100, "the extension took exactly the extra steps")

# ---- 6. periodic checkpoints keep the newest two ----
per = os.path.join(args.workdir, "periodic")
p = run(2, ["-checkpoint_every", "1000"], per)
ck = checkpoints(per)
want = ["checkpoint_%08d.h5" % s for s in (STEPS - 1000, STEPS)]
check(p.ok and ck == want, f"newest two checkpoints kept: {ck} (want {want})", p)

# ---- 7. the schemes keep their history in the checkpoint: exact continuation ----
for scheme, src in (("bdf2", per), ("euler", None)):
    opts = ["-scheme", scheme, "-checkpoint_every", "1000"]
    if src is None:
        src = os.path.join(args.workdir, scheme)
        p = run(2, opts, src)
        check(p.ok, f"{scheme} run with periodic checkpoints", p)
    again = os.path.join(args.workdir, scheme + "_again")
    shutil.copytree(src, again)
    from_ck = os.path.join(again, "checkpoint_%08d.h5" % (STEPS - 1000))
    p = run(2, opts + ["-restart", from_ck], again)
    d = maxdiff(os.path.join(src, "final.h5"), os.path.join(again, "final.h5"))
    # the copied files hold rows up to the end: those after the checkpoint must go
    same_csv = all(text(os.path.join(src, f)) == text(os.path.join(again, f)) for f in ("diagnostics.csv", "structure_factor.csv"))
    check(p.ok and d == 0.0 and same_csv, f"{scheme} continued from step {STEPS - 1000} equals the uninterrupted run bitwise "
          f"(max diff {d:.3g}, csv equal {same_csv})", p)

# ---- 8. no-flux walls: exact continuation, on another rank count, and -bc is identity ----
walls = ["-bc", "noflux", "-t_end", "%g" % (1000 * DT), "-checkpoint_every", "500"]
wsrc = os.path.join(args.workdir, "walls")
p = run(2, walls, wsrc)
check(p.ok, "walls run with periodic checkpoints", p)
wck = os.path.join(wsrc, "checkpoint_%08d.h5" % 500)
for np_ in (2, 3):
    again = os.path.join(args.workdir, f"walls_again{np_}")
    shutil.copytree(wsrc, again)
    p = run(np_, walls + ["-restart", os.path.join(again, os.path.basename(wck))], again)
    d = maxdiff(os.path.join(wsrc, "final.h5"), os.path.join(again, "final.h5"))
    if np_ == 2:
        same_csv = text(os.path.join(wsrc, "diagnostics.csv")) == text(os.path.join(again, "diagnostics.csv"))
        check(p.ok and d == 0.0 and same_csv, f"walls continued from step 500 equals the uninterrupted run bitwise "
              f"(max diff {d:.3g}, csv equal {same_csv})", p)
    else:
        check(p.ok and d <= 1e-10, f"walls continued on 3 ranks: max diff {d:.3g} <= 1e-10", p)
per_from_walls = os.path.join(args.workdir, "walls_as_periodic")
p = run(2, ["-bc", "periodic", "-restart", wck], per_from_walls)
check(not p.ok and "bc_noflux" in p.stderr, "a walls checkpoint is refused by a periodic run (names bc_noflux)", p)

sys.exit(_tally.finish())
