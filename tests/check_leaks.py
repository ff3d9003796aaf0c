#!/usr/bin/python3
"""Every way a run can end frees what it allocated: uphill under PETSc's -malloc_debug
-malloc_dump, on 2 ranks and a small grid, ending

  0  at -t_end                       (an adaptive run; and one with -bc noflux)
  2  at -max_steps
  3  on SIGUSR1 (sent to mpiexec once rows appear; a checkpoint is written)
  0  continued from that checkpoint with -restart auto
  4  in a numerical failure          (a fixed step far too large: c leaves (0,1))
  1  in an error after the set-up    (-restart from a checkpoint of another grid)

Each must exit with its status and print no malloc_dump report. What a report looks like is
checked first on leak_probe, which leaks one block on purpose: "[ 0] 112 bytes main() at
leak_probe.c:LINE", one line per unfreed block and rank.

Prints one line per check and "N passed, M failed"; exits non-zero on any failure.
"""
import argparse, os, re, shutil, sys

from testlib import Tally, add_mpi_args, csv_rows, mpirun

ap = argparse.ArgumentParser()
ap.add_argument("--uphill", required=True)
ap.add_argument("--leak-probe", required=True)
ap.add_argument("--workdir", required=True)
add_mpi_args(ap)
args = ap.parse_args()
shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)
W = args.workdir

DEBUG = ["-malloc_debug", "-malloc_dump"]
# PetscMallocDump: "[%2d] %.0f bytes %s() at %s:%d" per block not freed
REPORT = re.compile(r"^\[\s*\d+\]\s*\d+ bytes \S*\(\) at \S+:\d+", re.M)
SMALL = ["-units", "reduced", "-chi", "3", "-N", "32", "-L", "24", "-frames", "2", "-quiet",
         "-fftw_plan", "estimate", "-fftw_wisdom", "none"] + DEBUG
ADAPT = ["-adapt_tol", "1e-4"]  # error-controlled cases: a tolerance that keeps them short
_tally = Tally()


def check(ok, what, p=None):
    if not _tally.check(ok, what) and p is not None:
        p.show()
    return ok


def leaks(p):
    return REPORT.findall(p.text)


# ---- the detector sees a real leak ----
p = mpirun(args, 2, [args.leak_probe] + DEBUG)
found = leaks(p)
check(p.ok and len(found) == 2, f"leak_probe: -malloc_dump reports the leaked block on both ranks ({found})", p)
p = mpirun(args, 2, [args.leak_probe])
check(p.ok and not leaks(p), "leak_probe without -malloc_dump: no report", p)


def case(what, status, extra, out, needle, **kw):
    p = mpirun(args, 2, [args.uphill] + SMALL + extra + ["-output", out], **kw)
    found = leaks(p)
    check(p.returncode == status and needle in p.text,
          f"{what}: exit status {p.returncode} (want {status}), message has '{needle}'", p)
    check(not found, f"{what}: no malloc_dump report{' (' + '; '.join(found[:4]) + ')' if found else ''}", p)
    return p


done = os.path.join(W, "done")
case("completed run", 0, ADAPT + ["-t_end", "50"], done, "")
case("completed run with no-flux walls", 0, ADAPT + ["-t_end", "20", "-bc", "noflux"], os.path.join(W, "walls"), "")
case("-max_steps", 2, ADAPT + ["-t_end", "50", "-max_steps", "5"], os.path.join(W, "max_steps"), "stopped at -max_steps 5")
sig = os.path.join(W, "signal")
csv = os.path.join(sig, "diagnostics.csv")
p = case("SIGUSR1", 3, ADAPT + ["-t_end", "500", "-diag_every", "1"], sig, "stopped by signal 10",
         signal_when=lambda: csv_rows(csv) > 3)
check(p.signalled, "SIGUSR1 was sent to mpiexec while the run was going")
case("continued with -restart auto", 0, ADAPT + ["-t_end", "500", "-diag_every", "1", "-restart", "auto"], sig, "")
fail = os.path.join(W, "failure")
# the stabilized step alone: with the mobility sweep (the default) this step stays in (0,1)
case("numerical failure", 4, ["-stab_correct", "false", "-dt", "50", "-t_end", "500"], fail, "numerical failure")
check(os.path.exists(os.path.join(fail, "last_good.h5")), "the failed run kept last_good.h5")
ck = sorted(f for f in os.listdir(done) if f.startswith("checkpoint_"))
if check(ck, "the completed run left a checkpoint for the error case"):
    case("error after the set-up (-restart from another grid)", 1,
         ADAPT + ["-t_end", "50", "-N", "40", "-restart", os.path.join(done, ck[-1])], os.path.join(W, "error"), "another run")

sys.exit(_tally.finish())
