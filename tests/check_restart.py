#!/usr/bin/python3
"""Checkpoint/restart and signals, end to end with the uphill binary.

1. An uninterrupted 2-rank run (the reference).
2. The same run sent SIGTERM while it runs (as a batch scheduler does before the wall-time
   kill): it must finish the step, write a checkpoint, exit non-zero with a message.
3. -restart auto continues it: diagnostics.csv must equal the reference byte for byte
   (no duplicate, no missing row), the frames must be numbered on, and final.h5 must equal
   the reference bitwise (same rank count, same FFT plans: -fftw_plan estimate).
4. The same checkpoint continued on 1 and 3 ranks: final field equal to 1e-10.
5. A finished run extended with a later -t_end from its final checkpoint.
6. -checkpoint_every keeps only the newest two checkpoints.
"""
import argparse, os, shutil, signal, subprocess, sys, time
import h5py
import numpy as np

from testlib import Tally

ap = argparse.ArgumentParser()
ap.add_argument("--uphill", required=True)
ap.add_argument("--mpiexec", required=True)
ap.add_argument("--workdir", required=True)
args = ap.parse_args()

MPI = [args.mpiexec, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]
# ~6000 steps of 128^2: a few seconds, long enough that the signal lands mid-run even on a
# fast machine (the test waits for the first rows, then signals)
BASE = ["-units", "reduced", "-chi", "3", "-N", "128", "-L", "77", "-dt", "0.1", "-t_end", "600",
        "-frames", "8", "-frame_spacing", "linear", "-diag_every", "10", "-quiet",
        "-fftw_plan", "estimate", "-fftw_wisdom", "none"]
_tally = Tally()
check = _tally.check




def run(np_, extra, out, expect_ok=True):
    cmd = MPI + ["-n", str(np_), args.uphill] + BASE + ["-output", out] + extra
    p = subprocess.run(cmd, capture_output=True, text=True)
    if expect_ok and p.returncode != 0:
        print(p.stdout, p.stderr)
    return p


def field(path):
    with h5py.File(path, "r") as f:
        return f["c"][...]


shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)
ref = os.path.join(args.workdir, "ref")
p = run(2, [], ref)
check(p.returncode == 0, "reference run finishes")
nsteps = int(open(os.path.join(ref, "diagnostics.csv")).read().splitlines()[-1].split(",")[0])

# ---- 2. SIGTERM to the running ranks ----
cut = os.path.join(args.workdir, "cut")
cmd = MPI + ["-n", "2", args.uphill] + BASE + ["-output", cut]
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
# wait until the run is clearly under way (a few diagnostics rows), then signal the ranks
csv = os.path.join(cut, "diagnostics.csv")
t0 = time.time()
while time.time() - t0 < 60:
    if os.path.exists(csv) and len(open(csv).read().splitlines()) > 5:
        break
    time.sleep(0.05)
ranks = subprocess.run(["pgrep", "-f", f"{args.uphill} .*-output {cut}$"], capture_output=True, text=True).stdout.split()
ranks = [int(r) for r in ranks if int(r) != proc.pid]
for r in ranks:
    try:
        os.kill(r, signal.SIGTERM)
    except ProcessLookupError:
        pass
out, err = proc.communicate(timeout=120)
check(len(ranks) >= 2, f"found the uphill ranks to signal ({len(ranks)})")
check(proc.returncode != 0, f"signalled run exits non-zero (rc {proc.returncode})")
check("stopped by signal 15" in err and "-restart auto" in err, "signalled run says why it stopped and how to continue")
ckpts = sorted(f for f in os.listdir(cut) if f.startswith("checkpoint_") and f.endswith(".h5"))
check(len(ckpts) == 1, f"one checkpoint written at the signal ({ckpts})")
stop_step = int(ckpts[-1][11:19]) if ckpts else -1
check(0 < stop_step < nsteps, f"stopped mid-run at step {stop_step} of {nsteps}")
check(not [f for f in os.listdir(cut) if f.endswith(".tmp")], "no temporary file left behind")
frames_before = len(os.listdir(os.path.join(cut, "frames")))

# ---- 3. continue on the same rank count ----
keep = os.path.join(args.workdir, "keep")
shutil.copytree(cut, keep)
p = run(2, ["-restart", "auto"], cut)
check(p.returncode == 0, "restart -auto finishes")
a = open(os.path.join(ref, "diagnostics.csv")).read()
b = open(os.path.join(cut, "diagnostics.csv")).read()
check(a == b, "continued diagnostics.csv equals the uninterrupted one byte for byte")
steps = [int(l.split(",")[0]) for l in b.splitlines()[1:]]
check(len(steps) == len(set(steps)) and steps == sorted(steps), "no duplicate rows, steps increasing")
fr = sorted(os.listdir(os.path.join(cut, "frames")))
check(fr == sorted(os.listdir(os.path.join(ref, "frames"))) and len(fr) > frames_before,
      f"frame numbering continues ({frames_before} before, {len(fr)} after)")
d = np.abs(field(os.path.join(ref, "final.h5")) - field(os.path.join(cut, "final.h5"))).max()
check(d == 0.0, f"continued field equals the uninterrupted one bitwise (max diff {d:.3g})")

# ---- 4. continue on another rank count ----
for np_ in (1, 3):
    other = os.path.join(args.workdir, f"other{np_}")
    shutil.copytree(keep, other)
    p = run(np_, ["-restart", "auto"], other)
    d = np.abs(field(os.path.join(ref, "final.h5")) - field(os.path.join(other, "final.h5"))).max()
    check(p.returncode == 0 and d <= 1e-10, f"continued on {np_} rank(s): max diff {d:.3g} <= 1e-10")

# ---- 5. extend a finished run with a later -t_end ----
ext = os.path.join(args.workdir, "ext")
shutil.copytree(ref, ext)
p = run(2, ["-restart", "auto", "-t_end", "610"], ext)
rows = open(os.path.join(ext, "diagnostics.csv")).read().splitlines()
tlast = float(rows[-1].split(",")[1])
check(p.returncode == 0 and abs(tlast - 610) < 1e-9, f"a later -t_end on the restart command line takes effect (t = {tlast})")
check(int(rows[-1].split(",")[0]) == nsteps + 100, "the extension took exactly the extra steps")

# ---- 6. periodic checkpoints keep the newest two ----
per = os.path.join(args.workdir, "periodic")
p = run(2, ["-checkpoint_every", "1000"], per)
ck = sorted(f for f in os.listdir(per) if f.startswith("checkpoint_"))
check(p.returncode == 0 and ck == ["checkpoint_00005000.h5", "checkpoint_00006000.h5"], f"newest two checkpoints kept: {ck}")

# ---- 7. BDF2 keeps its previous state in the checkpoint: exact continuation ----
b1 = os.path.join(args.workdir, "bdf2")
p = run(2, ["-scheme", "bdf2", "-checkpoint_every", "2000"], b1)
check(p.returncode == 0, "bdf2 run with periodic checkpoints")
b2 = os.path.join(args.workdir, "bdf2_again")
shutil.copytree(b1, b2)
p = run(2, ["-scheme", "bdf2", "-restart", os.path.join(b2, "checkpoint_00004000.h5")], b2)
d = np.abs(field(os.path.join(b1, "final.h5")) - field(os.path.join(b2, "final.h5"))).max()
same_csv = open(os.path.join(b1, "diagnostics.csv")).read() == open(os.path.join(b2, "diagnostics.csv")).read()
check(p.returncode == 0 and d == 0.0 and same_csv, f"bdf2 continued from step 4000 equals the uninterrupted run bitwise (max diff {d:.3g}, csv equal {same_csv})")

sys.exit(_tally.finish())
