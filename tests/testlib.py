"""Shared helpers of the Python regression tests.

 - Tally: PASS/FAIL lines and the closing "N passed, M failed" line CTest logs show;
 - run(): a command with a time limit (a hang becomes a failure with a message, not a CTest
   timeout), stdout and stderr kept apart;
 - mpirun(): THE one way a test launches an MPI job (mpiexec, its -n flag and the flags from
   the command line, see add_mpi_args), optionally signalling the job while it runs: the
   signal goes to the mpiexec process itself, which Open MPI forwards to the ranks (SIGUSR1,
   SIGUSR2); no process is ever looked up by name;
 - read_csv(), read_field(): diagnostics.csv and the /c dataset of an HDF5 output.
"""
import os
import signal
import subprocess
import tempfile
import time

# Open MPI refuses root without --allow-run-as-root and more ranks than cores without
# --oversubscribe; CTest passes the same flags explicitly (tests/CMakeLists.txt).
DEFAULT_MPI_FLAGS = "--allow-run-as-root --oversubscribe --bind-to none"
# Ranks waiting in MPI yield the core: with more ranks than free cores (CTest -j2 on two
# cores, or a busy machine) busy-polling ranks otherwise slow a run down a hundredfold.
MPI_ENV = {"OMPI_MCA_mpi_yield_when_idle": "1"}


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
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0


class Result:
    """How a command ended: returncode (124 on a time-out), stdout, stderr; text = both."""

    def __init__(self, cmd, returncode, stdout, stderr, timed_out=False, signalled=False):
        self.cmd, self.returncode, self.stdout, self.stderr = cmd, returncode, stdout or "", stderr or ""
        self.timed_out, self.signalled = timed_out, signalled

    @property
    def ok(self):
        return self.returncode == 0

    @property
    def text(self):
        return self.stdout + self.stderr

    def show(self, tail=3000):
        """Print the output (the end of it) for a failure report."""
        print("  exit status %d%s" % (self.returncode, " (timed out)" if self.timed_out else ""))
        if self.stdout:
            print("  stdout: ..." + self.stdout[-tail:])
        if self.stderr:
            print("  stderr: ..." + self.stderr[-tail:])


def _stop(proc):
    """End a process this module started (and what it started): SIGTERM first (mpiexec then
    takes its job down), SIGKILL to its process group if it does not go."""
    try:
        proc.terminate()
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: start_new_session below
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            print("  (could not end pid %d)" % proc.pid, flush=True)


def _start(cmd, env=None):
    """Start cmd in its own session, its output going to temporary files (not pipes: a job
    polled while it runs must never block on a full pipe)."""
    out, err = tempfile.TemporaryFile(mode="w+"), tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, text=True, env=env,
                            start_new_session=True)
    proc.outfiles = (out, err)
    return proc


def _finish(proc, cmd, deadline, signalled=False):
    """Wait for proc until the deadline (then end it); its Result."""
    timed_out = False
    try:
        proc.wait(timeout=max(1.0, deadline - time.time()))
    except subprocess.TimeoutExpired:
        timed_out = True
        _stop(proc)
        print("TIMEOUT: " + " ".join(cmd), flush=True)
    texts = []
    for f in proc.outfiles:
        f.seek(0)
        texts.append(f.read())
        f.close()
    if timed_out:
        return Result(cmd, 124, texts[0], texts[1] + "\n(test) timed out\n", timed_out=True, signalled=signalled)
    return Result(cmd, proc.returncode, texts[0], texts[1], signalled=signalled)


def run(cmd, timeout=120, env=None, echo=False):
    """Run a command (e.g. uphill on one rank, without mpiexec) with a time limit."""
    if echo:
        print("$ " + " ".join(cmd), flush=True)
    return _finish(_start(cmd, env), cmd, time.time() + timeout)


def add_mpi_args(ap):
    """The command-line options every MPI test script takes (CTest passes them)."""
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--np-flag", default="-n")
    ap.add_argument("--mpi-flags", default=DEFAULT_MPI_FLAGS)


def mpirun(args, np_, cmd, timeout=120, signal_when=None, signum=signal.SIGUSR1, poll=0.02, echo=True):
    """Run cmd on np_ ranks: args.mpiexec args.np_flag np_ args.mpi_flags cmd.

    signal_when: a function polled while the job runs; once it returns True, signum is sent to
    the mpiexec process (Open MPI forwards SIGUSR1 to the ranks). Result.signalled says
    whether the signal was sent before the job ended."""
    full = [args.mpiexec, args.np_flag, str(np_)] + args.mpi_flags.split() + list(cmd)
    if echo:
        print("$ " + " ".join(full), flush=True)
    deadline = time.time() + timeout
    env = dict(os.environ)
    for k, v in MPI_ENV.items():
        env.setdefault(k, v)
    proc = _start(full, env)
    sent = False
    if signal_when is not None:
        while proc.poll() is None and time.time() < deadline:
            if signal_when():
                proc.send_signal(signum)
                sent = True
                break
            time.sleep(poll)
    r = _finish(proc, full, deadline, signalled=sent)
    if echo:
        print("  -> status %d after %.1f s%s" % (r.returncode, timeout - (deadline - time.time()), ", signalled" if sent else ""), flush=True)
    return r


def read_csv(path):
    """diagnostics.csv: the header and the rows as dicts of floats."""
    import csv
    with open(path) as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [dict(zip(header, (float(v) for v in row))) for row in reader]
    return header, rows


def csv_rows(path):
    """The number of complete rows of a diagnostics.csv being written (0 if absent)."""
    try:
        with open(path) as f:
            return max(0, f.read().count("\n") - 1)
    except OSError:
        return 0


def read_field(path, name="c"):
    """A dataset of an HDF5 output as a numpy array (needs h5py: Debian's /usr/bin/python3)."""
    import h5py
    import numpy as np
    with h5py.File(path, "r") as f:
        return np.array(f[name])


def text(path):
    """A file's whole text."""
    with open(path) as f:
        return f.read()


def maxdiff(a, b):
    """max |a - b| of the fields /c of two HDF5 files; inf (with a note) if either cannot be read."""
    import numpy as np
    try:
        return float(np.abs(read_field(a) - read_field(b)).max())
    except (OSError, ValueError) as e:
        print("  cannot compare %s and %s: %s" % (a, b, e))
        return float("inf")
