"""Shared helpers of the Python regression tests: tallies and time-limited commands."""
import subprocess


class Tally:
    """PASS/FAIL lines and the closing 'N passed, M failed' line CTest logs show."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        ok = bool(ok)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(("PASS  " if ok else "FAIL  ") + what, flush=True)
        return ok

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def run_timed(cmd, timeout=120):
    """Run a command; a hang (e.g. a collective HDF5 call out of step) becomes a failure
    with a message instead of a CTest timeout."""
    try:
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        print("TIMEOUT after %d s: %s" % (timeout, " ".join(cmd)))
        return subprocess.CompletedProcess(cmd, 124, out + "\nuphill: error: (test) timed out after %d s\n" % timeout)


def mpirun(args, np_, cmd):
    """Run cmd on np_ ranks with the test's mpiexec, np-flag and flags; True on success."""
    full = [args.mpiexec, args.np_flag, str(np_)] + args.mpi_flags.split() + cmd
    print("$ " + " ".join(full), flush=True)
    r = run_timed(full)
    if r.returncode != 0:
        print(r.stdout)
    return r.returncode == 0
