"""Shared helpers of tools/bench: running commands with timeouts, waiting for an idle machine,
parsing uphill's and PETSc's outputs, reading diagnostics.csv, writing CSV and JSON.

Nothing here looks a process up by name: every process is started here, in its own session
(process group), and on a timeout that group, and only it, is ended by its id."""
import csv
import json
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import time


def log(msg):
    print(f"bench: {msg}", flush=True)


def die(msg):
    print(f"bench: error: {msg}", file=sys.stderr)
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# grid sizes, binaries

def parse_size(s):
    """'512^2', '512x512', '128^3', '512' (2D) -> (dim, N)."""
    s = s.strip().lower()
    m = re.fullmatch(r"(\d+)\^([23])", s)
    if m:
        return int(m.group(2)), int(m.group(1))
    parts = s.split("x")
    if all(p.isdigit() for p in parts) and len(parts) in (1, 2, 3) and len(set(parts)) == 1:
        return (2 if len(parts) == 1 else len(parts)), int(parts[0])
    raise ValueError(f"cannot read grid size '{s}' (use e.g. 512^2 or 128^3)")


def size_label(dim, N):
    return f"{N}^{dim}"


def split_list(s):
    """'a b,c' -> ['a', 'b', 'c']"""
    return [x for x in re.split(r"[\s,]+", s.strip()) if x]


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_binaries(build, names):
    """The first build directory (build, then build-* in the repository, or the one given) that
    holds every one of `names`; returns {name: path}."""
    root = repo_root()
    if build:
        cands = [build]
    else:
        cands = ["build"] + sorted(d for d in os.listdir(root) if d.startswith("build-"))
    for b in cands:
        d = b if os.path.isabs(b) else os.path.join(root, b)
        paths = {n: os.path.join(d, n) for n in names}
        if all(os.access(p, os.X_OK) for p in paths.values()):
            return paths
    die(f"could not find {', '.join(names)} in " + ", ".join(cands) +
        "; build them (cmake -S . -B build && cmake --build build -j) or pass --build DIR")
    return None


# ---------------------------------------------------------------------------------------------
# an idle machine

def cpu_busy(interval=0.5):
    """Fraction of all cores busy over `interval` seconds (from /proc/stat); this process sleeps meanwhile."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v), idle
    try:
        t0, i0 = snap()
        time.sleep(interval)
        t1, i1 = snap()
        return 1.0 - (i1 - i0) / max(1, t1 - t0)
    except (OSError, ValueError, IndexError):
        return float("nan")


class IdleWaiter:
    """Before each timed run, wait up to `max_wait` seconds for other work to leave the cores
    (busy fraction <= threshold); the busy fraction seen last is returned and recorded with the
    run (busy_before: 0 = idle machine, 1 = every core busy with other work)."""

    def __init__(self, max_wait, threshold):
        self.max_wait = max_wait
        self.threshold = threshold
        self.warned = False

    def wait(self, deadline=None):
        busy = cpu_busy()
        t0 = time.time()
        while (busy > self.threshold and time.time() - t0 < self.max_wait and
               (deadline is None or deadline - time.time() > 30)):
            if not self.warned:
                log(f"other work keeps {100 * busy:.0f}% of the cores busy: waiting up to {self.max_wait:.0f} s "
                    "before each run for them to go idle (--wait-idle)")
                self.warned = True
            time.sleep(2)
            busy = cpu_busy()
        return busy


# ---------------------------------------------------------------------------------------------
# running commands

class RunResult:
    def __init__(self, cmd, returncode, out, wall, timed_out):
        self.cmd = cmd
        self.returncode = returncode
        self.out = out
        self.wall = wall
        self.timed_out = timed_out

    @property
    def ok(self):
        return self.returncode == 0 and not self.timed_out

    def tail(self, n=8):
        return "\n".join(self.out.strip().splitlines()[-n:])


def quote(cmd):
    return " ".join(shlex.quote(str(c)) for c in cmd)


def run(cmd, timeout, log_path=None, cwd=None):
    """Run cmd (stdout and stderr together) in its own process group; on timeout end that group
    (SIGTERM, then SIGKILL after 5 s). The wall time is that of the whole command, measured here.
    With log_path, the command line and its output are written there."""
    cmd = [str(c) for c in cmd]
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd,
                         start_new_session=True)
    timed_out, out = False, ""
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 30)):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            try:
                out, _ = p.communicate(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
    wall = time.time() - t0
    out = out or ""
    if log_path:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        with open(log_path, "w") as f:
            f.write(quote(cmd) + "\n" + out + (f"\nTIMEOUT after {timeout:.0f} s\n" if timed_out else ""))
    return RunResult(cmd, p.returncode, out, wall, timed_out)


def mpi_command(mpiexec, ranks, cmd, direct_single=False):
    """cmd under `mpiexec -n ranks` (mpiexec is the --mpiexec string); with direct_single, one
    rank runs the binary itself (MPI singleton start: no launcher time in the wall time)."""
    if direct_single and ranks == 1:
        return list(cmd)
    return shlex.split(mpiexec) + ["-n", str(ranks)] + list(cmd)


def vmhwm_wrapper(prefix):
    """Command prefix that runs each rank under GNU time, writing its peak resident set (VmHWM,
    KiB) and CPU times to PREFIX.RANK (the rank known only inside the launched process)."""
    return ["/bin/sh", "-c", 'exec /usr/bin/time -f "%M %e %U %S" -o "$0.${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}" "$@"',
            prefix]


def read_vmhwm(prefix, ranks):
    """[{rank, peak_rss_bytes, cpu_util}] from the files vmhwm_wrapper wrote (None where missing)."""
    res = []
    for r in range(ranks):
        try:
            with open(f"{prefix}.{r}") as f:
                last = [ln for ln in f.read().splitlines() if ln.strip()][-1].split()
            kb, e, u, s = int(last[0]), float(last[1]), float(last[2]), float(last[3])
            res.append({"rank": r, "peak_rss_bytes": 1024.0 * kb, "cpu_util": (u + s) / e if e > 0 else float("nan")})
        except (OSError, ValueError, IndexError):
            res.append({"rank": r, "peak_rss_bytes": None, "cpu_util": float("nan")})
    return res


# ---------------------------------------------------------------------------------------------
# parsing outputs

# new:  "done (reached t_end): 3430 steps (4 rejected) to t = 300  in 2.72 s; 0.792 ms/step, 2.01 FFTs/step"
# v1:   "done: 3430 steps (4 rejected) to t = 300 (300 core units) in 2.72 s; 0.792 ms/step, 2.0 FFTs/step"
DONE_RE = re.compile(r"^done(?: \(([^)]*)\))?: (\d+) steps \((\d+) rejected\) to t = (\S+).*? in ([\d.eE+-]+) s; "
                     r"([\d.eE+-]+) ms/step, ([\d.eE+-]+) FFTs/step", re.M)


def parse_done(text):
    """uphill's closing line (printed without -quiet): steps, rejected steps, end time, loop wall
    time, ms/step, FFTs per accepted step (rejected tries' transforms included) and the
    transforms that implies (steps x FFTs/step, rounded as printed); None if absent."""
    m = DONE_RE.search(text)
    if not m:
        return None
    steps, ffts = int(m.group(2)), float(m.group(7))
    return {"reason": m.group(1) or "", "steps": steps, "rejected": int(m.group(3)),
            "t": float(m.group(4).rstrip(".")), "loop_wall_s": float(m.group(5)),
            "ms_per_step": float(m.group(6)), "ffts_per_step": ffts, "transforms": int(round(steps * ffts))}


def parse_json_line(text, tool=None):
    """The last line of text that is a JSON object (from `tool`, if given)."""
    for ln in reversed(text.splitlines()):
        ln = ln.strip()
        if ln.startswith("{") and ln.endswith("}"):
            try:
                d = json.loads(ln)
            except ValueError:
                continue
            if tool is None or d.get("tool") == tool:
                return d
    return None


def parse_log_view_csv(path, stage=None):
    """PETSc's `-log_view :FILE:ascii_csv` (PETSc 3.18): a header line
      Stage Name,Event Name,Rank,Count,Time,Num Messages,Message Length,Num Reductions,FLOP,dof0..e7,1
    then one line per (stage, event, rank): count, time in s (inclusive of nested events), messages,
    message length, reductions, flops; every stage has a pseudo-event 'summary' with the stage's
    own time. Returns {stage: {event: {"count": max over ranks, "time_s": max over ranks,
    "time_s_min": min over ranks, "per_rank": {rank: time_s}}}}, or that of one stage when
    `stage` is given."""
    res = {}
    with open(path, newline="") as f:
        rd = csv.reader(f)
        header = next(rd, None)
        if not header or header[:5] != ["Stage Name", "Event Name", "Rank", "Count", "Time"]:
            raise RuntimeError(f"{path}: not PETSc's ascii_csv log (header {header[:5] if header else None})")
        for row in rd:
            if len(row) < 5:
                continue
            st, ev = row[0].strip(), row[1].strip()
            try:
                rank, count, t = int(row[2]), int(float(row[3])), float(row[4])
            except ValueError:
                continue
            e = res.setdefault(st, {}).setdefault(ev, {"count": 0, "time_s": 0.0, "time_s_min": float("inf"),
                                                       "per_rank": {}})
            e["count"] = max(e["count"], count)
            e["time_s"] = max(e["time_s"], t)
            e["time_s_min"] = min(e["time_s_min"], t)
            e["per_rank"][rank] = t
    if stage is not None:
        if stage not in res:
            raise RuntimeError(f"{path}: no stage '{stage}' (stages: {', '.join(res)})")
        return res[stage]
    return res


MEMVIEW_RE = re.compile(r"^(Maximum \(over computational time\) process memory|Current process memory):\s+"
                        r"total\s+(\S+)\s+max\s+(\S+)\s+min\s+(\S+)", re.M)


def parse_memory_view(text):
    """PETSc's `-memory_view` summary (PETSc 3.18, printed by rank 0 at PetscFinalize):
      Maximum (over computational time) process memory:   total T max X min Y
      Current process memory:                             total T max X min Y
    in bytes, summed (total) and the largest/smallest over ranks: it does not name the ranks.
    The 'maximum' is the largest resident set (/proc/self/statm) PETSc sampled, at each PETSc
    object destruction and at the report, not the kernel's own high-water mark."""
    res = {}
    for m in MEMVIEW_RE.finditer(text):
        key = "max_rss" if m.group(1).startswith("Maximum") else "current_rss"
        res[key] = {"total": float(m.group(2)), "max": float(m.group(3)), "min": float(m.group(4))}
    return res


# ---------------------------------------------------------------------------------------------
# diagnostics.csv and run.opts

def read_diagnostics(path):
    """uphill's diagnostics.csv as a list of {column: float} (rows in file order)."""
    rows = []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            try:
                rows.append({k: float(v) for k, v in r.items() if k is not None})
            except (TypeError, ValueError):
                continue
    if not rows:
        raise RuntimeError(f"{path} has no rows")
    return rows


def values_at(rows, col, times, rel_tol=1e-9):
    """col at each of `times`: the row at that time where there is one, else linear interpolation
    between the rows around it. Returns (values, interpolated flags); a time outside the rows'
    range gives NaN."""
    pts = sorted(((r["t"], r[col]) for r in rows), key=lambda p: p[0])
    vals, interp = [], []
    for T in times:
        tol = rel_tol * max(abs(T), 1e-300)
        exact = [v for t, v in pts if abs(t - T) <= tol]
        if exact:
            vals.append(exact[-1])
            interp.append(False)
            continue
        v = float("nan")
        for (t0, v0), (t1, v1) in zip(pts, pts[1:]):
            if t0 < T < t1:
                v = v0 + (v1 - v0) * (T - t0) / (t1 - t0)
                break
        vals.append(v)
        interp.append(True)
    return vals, interp


def read_run_opts(path):
    """run.opts as {option: value string} (the last occurrence of each)."""
    opts = {}
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln.startswith("#"):
                continue
            parts = ln.split(None, 1)
            opts[parts[0]] = parts[1] if len(parts) > 1 else ""
    return opts


# ---------------------------------------------------------------------------------------------
# writing

def clean(o):
    """NaN and infinities -> None (JSON null), recursively."""
    if isinstance(o, float) and (math.isnan(o) or math.isinf(o)):
        return None
    if isinstance(o, dict):
        return {k: clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    return o


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(clean(obj), f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def read_json(path):
    with open(path) as f:
        return json.load(f)


def csv_value(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return " ".join(csv_value(x) for x in v)
    return v


def write_csv(path, cols, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow([csv_value(r.get(c)) for c in cols])


def fmt(v, spec):
    """A table cell: '-' for None, 'yes'/'NO' for booleans, 'nan' for NaN."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return format(v, spec)


def git_show(rev_path, timeout=30):
    """`git show REV:PATH` in this repository."""
    r = run(["git", "-C", repo_root(), "show", rev_path], timeout=timeout)
    if not r.ok:
        raise RuntimeError(f"git show {rev_path} failed: {r.tail(3)}")
    return r.out
