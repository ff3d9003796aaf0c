#!/usr/bin/python3
"""Bad input: every case must exit with status 1 and one clear message naming the option or
the file (and the allowed range where there is one), and leave nothing partial behind.

Every case starts from TINY, a 16^2 grid to t_end = 1 that runs in well under a second in
every model and unit context (checked first), and adds its own options after it (the last
occurrence of an option wins): a case that is wrongly accepted runs a tiny simulation, never
the default-size one."""
import argparse, os, shutil, sys
from concurrent.futures import ThreadPoolExecutor

from testlib import Tally, run

ap = argparse.ArgumentParser()
ap.add_argument("--uphill", required=True)
ap.add_argument("--workdir", required=True)
args = ap.parse_args()
shutil.rmtree(args.workdir, ignore_errors=True)
os.makedirs(args.workdir)
W = args.workdir
_tally = Tally()


def check(ok, what, p=None):
    if not _tally.check(ok, what) and p is not None:
        p.show(800)


TINY = ["-N", "16", "-L", "10", "-t_end", "1", "-frames", "0", "-quiet", "-fftw_wisdom", "none"]
RED = ["-units", "reduced", "-chi", "3"]
SMALL = TINY + RED + ["-dt", "0.1", "-frames", "2"]
POLY = ["-model", "polynomial"]


def uphill(argv, out=None):
    return run([args.uphill] + argv + (["-output", out] if out else []), timeout=60)


# ---- the base of every case is valid and small, in every context ----
for ctx in ([], RED, POLY):
    out = os.path.join(W, "tiny")
    shutil.rmtree(out, ignore_errors=True)
    p = uphill(TINY + ctx, out)
    check(p.returncode == 0, f"the tiny base runs: {' '.join(TINY + ctx)}", p)


def expect_errors(cases):
    """Run TINY + argv for every (argv, needles, what), four at a time (start-up latency, not
    CPU, dominates), each with a fresh -output that must not be created; each must exit with
    status 1 with one error line, the output containing every needle."""
    def one(i):
        out = os.path.join(W, "never%d" % i)
        shutil.rmtree(out, ignore_errors=True)
        return uphill(TINY + cases[i][0], out), out
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(len(cases))))
    for (argv, needles, what), (p, out) in zip(cases, results):
        ok = p.returncode == 1 and all(n in p.text for n in needles) and not os.path.exists(out)
        ok = ok and "Traceback" not in p.text and p.text.count("uphill: error:") == 1
        check(ok, f"{what}: {' '.join(argv)}", p)


# ---- every option out of range: message names the option and the allowed range ----
ranges = [
    (["-T", "0"], "(0, 100000]"), (["-T", "-5"], "-T"), (["-omega", "2e6"], "[-1e+06, 1e+06]"),
    (RED + ["-chi", "200"], "-chi"), (["-kappa", "0"], "-kappa"), (["-Vm", "0"], "-Vm"),
    (["-D0", "0"], "-D0"), (["-Q", "-1"], "-Q"), (["-dim", "4"], "[2, 3]"), (["-N", "4"], "[8, 46340]"), (["-dim", "3", "-N", "1300"], "[8, 1289]"),
    (["-L", "0"], "-L"), (["-dt", "0"], "-dt"), (["-t_end", "-1"], "-t_end"), (["-max_steps", "0"], "-max_steps"),
    (["-adapt_tol", "0"], "-adapt_tol"), (["-c0", "0"], "(0, 1)"), (["-c0", "1"], "(0, 1)"), (["-c0", "nan"], "-c0"),
    (["-noise", "0.5"], "-noise"), (["-seed", "-1"], "-seed"), (["-ic", "mode", "-ic_mode", "0"], "-ic_mode"),
    (["-ic", "mode", "-ic_mode", "9999", "-N", "64"], "N/2"), (["-ic", "mode", "-ic_mode", "32", "-N", "64", "-bc", "noflux"], "(N-1)/2 with -bc noflux"),
    (["-ic", "mode", "-ic_amp", "0.7"], "-ic_amp"),
    (["-frames", "-1"], "-frames"), (["-frame_scale", "17"], "-frame_scale"), (["-diag_every", "0"], "-diag_every"),
    (["-dump_every", "-1"], "-dump_every"), (["-checkpoint_every", "-1"], "-checkpoint_every"),
    (["-checkpoint_wall", "-1"], "-checkpoint_wall"), (POLY + ["-rho", "0"], "-rho"),
    (POLY + ["-mobility", "0"], "-mobility"), (POLY + ["-c_alpha", "0.7", "-c_beta", "0.3"], "-c_alpha"),
    (RED + ["-mobility_model", "darken", "-D_ratio", "0"], "-D_ratio"), (["-dt", "10", "-t_end", "1"], "-dt"),
    (["-stab_A", "-5"], "-stab_A"), (["-model", "ideal"], "-model"), (["-units", "cgs"], "-units"),
    (["-scheme", "rk4"], "-scheme"), (["-fftw_plan", "fast"], "-fftw_plan"), (["-frame_spacing", "cubic"], "-frame_spacing"),
    (["-ic", "sphere"], "-ic"), (["-mobility_model", "x"], "-mobility_model"),
    (["-flux", "exact"], "-flux"), (RED + ["-flux", "2"], "-flux"), (["-adapt_tol", "0.5"], "(0, 0.1]"),
    (["-adapt_tol", "-1e-4"], "-adapt_tol"), (["-adapt_tol", "nan"], "-adapt_tol"), (["-dt_max", "-5"], "-dt_max"),
    (["-adapt", "maybe"], "-adapt"), (["-N", "4.5"], "-N"), (["-N", "1e5"], "[8, 46340]"),
    (["-stab_correct", "maybe"], "-stab_correct takes true or false"),
    (["-model", "polynomial", "-stab_correct", "false"], "-stab_correct is not used with -model polynomial"),
    # Redlich-Kister, coherency strain, thermal noise, requested times
    (["-L0", "2e7,0"], "-L0"), (["-L1", "0,nan"], "-L1"), (["-L0", "1,2,3"], "-L0"), (RED + ["-chi1", "200"], "-chi1"),
    (["-elastic", "hexagonal"], "-elastic"), (["-elastic", "cubic", "-misfit", "2"], "[-1, 1]"),
    (["-elastic", "cubic", "-C11", "0"], "-C11"), (["-elastic", "cubic", "-C12", "-1e9"], "-C12"),
    (["-elastic", "cubic", "-C44", "2e13"], "-C44"),
    (["-elastic", "cubic", "-C11", "100e9", "-C12", "120e9"], "C11 > C12"),
    (["-dt", "1e-4", "-thermal_noise", "-noise_theta", "-1"], "-noise_theta"),
    (["-dt", "1e-4", "-thermal_noise", "-noise_scale", "-2"], "-noise_scale"),
    (["-dt", "1e-4", "-thermal_noise", "-thickness", "5"], "-thickness"),
    (["-thermal_noise", "perhaps"], "-thermal_noise"),
    (["-bc", "closed"], "-bc"),
    (["-diag_times", "1,-2"], "-diag_times"), (["-dump_times", "0"], "-dump_times"),
    # rectangular boxes and couples
    (["-N", "8,8,8,8"], "-N takes at most 3"), (["-N", "16,4"], "[8, 46340]"), (["-N", "16,x"], "-N"),
    (["-L", "10,0"], "-L"), (["-dim", "3", "-N", "46340,46340,8"], "46340^2"),
    (["-ic", "couple", "-couple_c", "0,1"], "(0, 1)"), (["-ic", "couple", "-couple_c", "0.3,1.2"], "-couple_c"),
    (["-ic", "couple", "-couple_c", "0.3,0.6,0.9"], "-couple_c takes at most 2"),
    (["-ic", "couple", "-couple_c", "0.3,0.6", "-couple_width", "0"], "-couple_width"),
    (["-ic", "couple", "-couple_c", "0.1,0.6", "-noise", "0.2"], "-noise"),
    (["-frame_field", "flux"], "-frame_field"),
]
cases = [(argv, [needle], "out of range") for argv, needle in ranges]

# ---- contradictory options ----
contra = [
    (["-chi", "3"], ["-chi", "-units si"]), (["-units", "reduced", "-T", "300"], ["-T", "-units reduced"]),
    (["-rho", "5"], ["-rho", "polynomial"]), (POLY + ["-T", "300"], ["-T", "polynomial"]),
    (["-restart", "auto", "-force"], ["-restart", "-force"]), (["-ic_file", "x.h5"], ["-ic_file"]),
    (["-ic", "file"], ["-ic_file"]), (["-D0_B", "1e-5"], ["-mobility_model"]),
    (POLY + ["-units", "si"], ["-units", "polynomial"]), (POLY + ["-mobility_model", "darken"], ["-mobility_model"]),
    (RED + ["-Vm", "1e-5"], ["-Vm", "-units reduced"]),
    # a fixed step has no error control to tune; error control needs no fixed step
    (["-dt", "0.1", "-adapt_tol", "1e-3"], ["-adapt_tol", "without -adapt true", "remove it"]),
    (["-dt", "0.1", "-dt_max", "1"], ["-dt_max", "without -adapt true", "remove it"]),
    (["-dt", "0.1", "-adapt", "false", "-adapt_tol", "1e-3"], ["-adapt_tol", "without -adapt true"]),
    (["-adapt", "false"], ["-adapt false needs a fixed step", "-dt"]),
    (RED + ["-adapt", "false", "-scheme", "euler"], ["-adapt false needs a fixed step", "-dt"]),
    (POLY + ["-flux", "log"], ["-flux", "-model polynomial", "remove it"]),
    (RED + ["-omega", "3e4"], ["-omega", "-units reduced", "remove it"]),
    (["-omega", "3e4", "-L0", "3e4,0"], ["-omega", "-L0"]),
    (RED + ["-elastic", "cubic"], ["-elastic", "-units reduced", "remove it"]),
    (["-misfit", "0.05"], ["-misfit", "without -elastic cubic", "remove it"]),
    (["-thermal_noise"], ["-thermal_noise needs a fixed step", "-dt"]),
    (RED + ["-dt", "0.1", "-thermal_noise"], ["-thermal_noise in reduced units needs -noise_theta"]),
    (["-noise_theta", "0.01"], ["-noise_theta", "without -thermal_noise true", "remove it"]),
    (["-dim", "3", "-N", "16", "-dt", "1e-4", "-thermal_noise", "-thickness", "1e-8"], ["-thickness applies to 2D runs"]),
    (["-N", "16,16,16"], ["-N takes one value", "or 2", "-dim 2"]), (["-dim", "3", "-N", "16,16"], ["-N takes one value", "or 3", "-dim 3"]),
    (["-L", "1,2,3"], ["-L takes one value", "-dim 2"]),
    (["-couple_c", "0.3,0.6"], ["-couple_c", "without -ic couple", "remove it"]),
    (["-couple_width", "2e-9"], ["-couple_width", "without -ic couple"]),
    (["-ic", "couple"], ["-ic couple needs -couple_c"]), (["-ic", "couple", "-couple_c", "0.3"], ["-ic couple needs -couple_c"]),
    (["-ic", "couple", "-couple_c", "0.3,0.6", "-c0", "0.4"], ["-c0", "-ic couple", "remove it"]),
    (["-ic", "mode", "-noise", "0.01"], ["-noise", "-ic random or -ic couple", "remove it"]),
    (POLY + ["-bc", "noflux", "-dt", "0.1", "-thermal_noise", "-noise_theta", "1e-3"], ["-thermal_noise with -bc noflux", "-model polynomial", "-bc periodic"]),
]
cases += [(argv, needles, "contradictory") for argv, needles in contra]
# ---- unknown option, missing -ic_file ----
cases += [(SMALL + ["-Nx", "3"], ["-Nx"], "unknown option"),
          (SMALL + ["-ic", "file", "-ic_file", os.path.join(W, "nope.h5")], ["-ic_file", "nope.h5"], "missing -ic_file")]
expect_errors(cases)

# ---- unreadable options file ----
p = uphill(TINY + ["-options_file", os.path.join(W, "missing.opts")])
check(p.returncode == 1 and "missing.opts" in p.text, "unreadable -options_file is named", p)

# ---- -restart files: missing, corrupt, from another grid ----
good = os.path.join(W, "good")
p = uphill(SMALL, good)
check(p.returncode == 0, "a small run for the restart cases", p)
junk = os.path.join(W, "junk.h5")
with open(junk, "w") as f:
    f.write("this is not HDF5\n")


def expect_restart_error(extra, needles, what):
    out = os.path.join(W, "restart_target")
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(good, out)
    before = sorted(os.listdir(out))
    csv = open(os.path.join(out, "diagnostics.csv")).read()
    p = uphill(SMALL + extra, out)
    text = p.stderr + p.stdout
    ok = p.returncode == 1 and all(n in text for n in needles)
    ok = ok and sorted(os.listdir(out)) == before and open(os.path.join(out, "diagnostics.csv")).read() == csv
    check(ok, f"{what} (run directory untouched)", p)


expect_restart_error(["-restart", os.path.join(W, "absent.h5")], ["-restart", "absent.h5", "missing"], "missing -restart file")
expect_restart_error(["-restart", junk], ["-restart", "junk.h5", "not an HDF5"], "corrupt -restart file")
ck = sorted(f for f in os.listdir(good) if f.startswith("checkpoint_"))[-1]
expect_restart_error(["-restart", os.path.join(good, ck), "-N", "20"], ["another run", "N"], "-restart from another grid")
expect_restart_error(["-restart", os.path.join(good, ck), "-chi", "2.5"], ["another run", "chi"], "-restart from another model")
expect_restart_error(["-restart", os.path.join(good, ck), "-bc", "noflux"], ["another run", "bc_noflux"], "-restart with another -bc")
expect_restart_error(["-restart", os.path.join(good, "final.h5")], ["not an uphill checkpoint"], "final.h5 is not a checkpoint")
empty = os.path.join(W, "empty")
os.makedirs(empty)
p = uphill(SMALL + ["-restart", "auto"], empty)
check(p.returncode == 1 and "no checkpoint" in p.stderr and os.listdir(empty) == [], "-restart auto with no checkpoint", p)

# ---- output directory: unwritable, or holding another run ----
p = uphill(SMALL, "/proc/uphill-test")
check(p.returncode == 1 and "-output /proc/uphill-test" in p.stderr and "cannot create" in p.stderr, "unwritable -output", p)
p = uphill(SMALL, good)
check(p.returncode == 1 and "already holds a run" in p.stderr and "-force" in p.stderr, "refuses a directory holding another run", p)
p = uphill(SMALL + ["-force"], good)
check(p.returncode == 0, "-force replaces it", p)
# -force removes every file a run writes (fields.xmf, a killed writer's *.tmp) and nothing
# else; a run that fails numerically writes no fields.xmf of its own, so none may be left
for f in ("fields.xmf", "final.h5.tmp", "structure_factor.csv.tmp", "notes.txt"):
    open(os.path.join(good, f), "w").close()
p = uphill(SMALL + ["-force", "-L", "16", "-stab_correct", "false", "-dt", "20", "-t_end", "2000"], good)
left = sorted(os.listdir(good))
check(p.returncode == 4 and left == ["diagnostics.csv", "frames", "last_good.h5", "last_good.png", "last_good.xmf", "notes.txt", "run.opts", "structure_factor.csv"],
      f"-force removes the replaced run's files and only those: {left}", p)

# ---- disk full while writing (where /dev/full exists) ----
if os.path.exists("/dev/full"):
    full = os.path.join(W, "full")
    os.makedirs(full)
    os.symlink("/dev/full", os.path.join(full, "run.opts.tmp"))
    p = uphill(SMALL, full)
    check(p.returncode == 1 and "run.opts" in p.stderr and "No space left" in p.stderr, "full disk while writing run.opts", p)
    check(sorted(os.listdir(full)) == ["frames"], f"no partial file left after the full disk ({sorted(os.listdir(full))})")
    full2 = os.path.join(W, "full2")
    os.makedirs(os.path.join(full2, "frames"))
    os.symlink("/dev/full", os.path.join(full2, "frames", "frame_00000.png.tmp"))
    p = uphill(SMALL, full2)
    check(p.returncode == 1 and "frame_00000.png" in p.stderr, "full disk while writing a frame", p)
    check(not os.path.exists(os.path.join(full2, "frames", "frame_00000.png")), "no partial frame left")
else:
    print("note: /dev/full is missing here; disk-full cases skipped")

sys.exit(_tally.finish())
