#!/usr/bin/env python3
"""Real-client tests of the ParaView outputs, with ParaView itself (pvbatch).

  read    tiny 3D runs (reduced and SI units, one extended with -restart) and a 2D run:
          fields.xmf lists exactly the fields on disk (dumps and final.h5, no checkpoint),
          one per time, in time order, each at its file's time attribute; ParaView's XDMF
          readers (XDMF Reader, Xdmf3ReaderS/T) load final.xmf and fields.xmf and report
          the grid, spacing, origin, number of times and the times, and the array they read
          at each time equals the HDF5 dataset of that time to 0 difference (the whole array,
          and point by point through the point coordinates, which fixes the axis order).
  render  tools/render3d on a tiny 3D run: non-empty PNG frames of the requested size, one
          per time and all different, times.csv, an mp4 with that many frames; --iso, --slice
          and --rotate; stale frames removed; clear messages without ParaView, without
          fields.xmf and for a bad --size.

Exit status 77 (CTest: skipped) with a message when ParaView is not installed.
Needs Debian's /usr/bin/python3 (numpy, h5py).
"""
import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import h5py
import numpy as np

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        ok = bool(ok)
        self.passed += ok
        self.failed += not ok
        print(("PASS  " if ok else "FAIL  ") + what, flush=True)
        return ok

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def run(cmd, timeout=180, env=None):
    """A command with a time limit: (status, stdout + stderr); 124 on a time-out."""
    print("$ " + " ".join(cmd), flush=True)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=timeout, env=env)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out + "\n(test) timed out after %d s\n" % timeout


def show(out, tail=3000):
    print("  output: ..." + out[-tail:], flush=True)


def uphill(args, np_, opts, timeout=180):
    env = dict(os.environ, OMPI_MCA_mpi_yield_when_idle="1")
    cmd = [args.mpiexec, args.np_flag, str(np_)] + args.mpi_flags.split() + [args.uphill] + opts
    st, out = run(cmd, timeout, env)
    if st != 0:
        show(out)
    return st == 0


def paraview_or_skip(need_display):
    """pvbatch with its Python modules (and a display or xvfb-run), else exit 77."""
    pv = shutil.which("pvbatch")
    if not pv:
        print("SKIP: ParaView (pvbatch) is not installed; `tools/setup render3d` (or tools/setup test) installs it")
        sys.exit(SKIP)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write("import paraview.simple\nprint('paraview ok')\n")
    try:
        st, out = run([pv, f.name], 120)
    finally:
        os.remove(f.name)
    if "paraview ok" not in out:
        show(out, 800)
        print("SKIP: ParaView's Python modules do not load (Debian: python3-paraview); `tools/setup render3d` installs them")
        sys.exit(SKIP)
    if need_display and not (os.environ.get("DISPLAY") or shutil.which("xvfb-run")):
        print("SKIP: no display and no xvfb-run for ParaView's rendering; `tools/setup render3d` installs xvfb")
        sys.exit(SKIP)
    return pv


# ----------------------------------------------------------------------------- read

def series_on_disk(rundir):
    """What fields.xmf must list: every fields/c_<digits>.h5 and final.h5, by time, one per
    time (a dump before final.h5 at an equal time). [(time, relative path)]"""
    files = [os.path.relpath(p, rundir) for p in glob.glob(os.path.join(rundir, "fields", "c_*.h5"))]
    files = [f for f in files if os.path.basename(f)[2:-3].isdigit()]
    if os.path.exists(os.path.join(rundir, "final.h5")):
        files.append("final.h5")
    entries = []
    for f in files:
        with h5py.File(os.path.join(rundir, f), "r") as h:
            entries.append((float(h["c"].attrs["time"]), f == "final.h5", f))
    entries.sort()
    out = []
    for t, _, f in entries:
        if not out or t > out[-1][0] * (1 + 1e-12):
            out.append((t, f))
    return out


def h5_field(path):
    with h5py.File(path, "r") as h:
        d = h["c"]
        return np.array(d), float(d.attrs["time"]), float(d.attrs["box_side"])


def check_xmf_text(T, rundir, expected_times, label):
    """fields.xmf as XML: a temporal collection of uniform grids, each with a Time and an HDF
    reference to an existing field file; exactly the fields on disk, at their times."""
    path = os.path.join(rundir, "fields.xmf")
    if not T.check(os.path.isfile(path), "%s: fields.xmf written" % label):
        return
    root = ET.parse(path).getroot()
    coll = root.find("Domain/Grid")
    T.check(coll is not None and coll.get("GridType") == "Collection" and coll.get("CollectionType") == "Temporal",
            "%s: fields.xmf is an XDMF temporal collection" % label)
    listed = []
    for g in coll.findall("Grid"):
        t = float(g.find("Time").get("Value"))
        ref = g.find("Attribute/DataItem").text.strip()
        listed.append((t, ref.split(":")[0]))
    want = series_on_disk(rundir)
    T.check(listed == want, "%s: fields.xmf lists exactly the fields on disk in time order, one per time: %s"
            % (label, [(t, f) for t, f in listed]))
    T.check([t for t, _ in listed] == list(expected_times),
            "%s: times %s, expected %s" % (label, [t for t, _ in listed], list(expected_times)))
    T.check(not any("checkpoint" in f or "last_good" in f for _, f in listed), "%s: no checkpoint in fields.xmf" % label)
    T.check(all(os.path.isfile(os.path.join(rundir, f)) for _, f in listed), "%s: every file fields.xmf names exists" % label)
    for t, f in listed:
        _, ta, _ = h5_field(os.path.join(rundir, f))
        if not T.check(t == ta, "%s: Time of %s = its time attribute (%r)" % (label, f, ta)):
            break


def compare_reader(T, npz, rundir, files_by_time, n, dim, label):
    """What a ParaView reader delivered (pv_read.py) against the HDF5 files."""
    r = np.load(npz)
    times = list(r["times"])
    want_times = [t for t, _ in files_by_time] if files_by_time[0][0] is not None else []
    T.check(len(times) == len(want_times), "%s: %d times reported (expected %d)" % (label, len(times), len(want_times)))
    T.check(np.array_equal(np.array(times), np.array(want_times)), "%s: times %s" % (label, times))
    for i, (t, f) in enumerate(files_by_time):
        if "dims_%d" % i not in r:
            T.check(False, "%s: no data at time index %d" % (label, i))
            return
        c, _, side = h5_field(os.path.join(rundir, f))
        h = side / n
        # ParaView's XDMF readers put a 2DCoRectMesh in the y-z plane: VTK y, z = run x, y
        axes = [0, 1, 2] if dim == 3 else [1, 2]
        want_dims = [n] * 3 if dim == 3 else [1, n, n]
        ok = T.check(list(r["dims_%d" % i]) == want_dims, "%s[%d]: grid %s (expected %s)" % (label, i, list(r["dims_%d" % i]), want_dims))
        sp = r["spacing_%d" % i][axes]
        ok &= T.check(np.allclose(sp, h, rtol=1e-14, atol=0), "%s[%d]: spacing %s (expected %.17g)" % (label, i, list(sp), h))
        ok &= T.check(np.all(r["origin_%d" % i] == 0), "%s[%d]: origin 0" % (label, i))
        if not T.check("c_%d" % i in r, "%s[%d]: point array c (arrays: %s)" % (label, i, r["names_%d" % i])):
            continue
        v = r["c_%d" % i]
        ok &= T.check(v.size == c.size and np.max(np.abs(v - c.ravel())) == 0.0,
                      "%s[%d]: c equals %s:/c to 0 difference (all %d values)" % (label, i, f, c.size))
        # point by point through the coordinates: run (x, y, z) is dataset [z, y, x]
        diffs = []
        for pid, xyz in zip(r["ids_%d" % i], r["xyz_%d" % i]):
            ijk = [int(round(xyz[a] / h)) for a in axes]
            diffs.append(abs(v[pid] - c[tuple(reversed(ijk))]))
        ok &= T.check(max(diffs) == 0.0, "%s[%d]: c at %d points (by coordinates) equals the dataset: differences %s"
                      % (label, i, len(diffs), diffs))
        if not ok:
            return


def read_with_paraview(T, args, pv, rundir, files, tag):
    """pv_read.py on files (relative to rundir) in one pvbatch: {(file, reader): npz}."""
    out = os.path.join(args.workdir, "pv_" + tag)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    st, text = run([pv, os.path.join(HERE, "pv_read.py"), out] + [os.path.join(rundir, f) for f in files], 300)
    if not T.check(st == 0, "%s: pvbatch pv_read.py %s" % (tag, " ".join(files))):
        show(text)
        return {}
    res = {}
    for k, f in enumerate(files):
        for rd in ("XDMFReader", "Xdmf3ReaderS", "Xdmf3ReaderT"):
            res[(f, rd)] = os.path.join(out, "%d_%s.npz" % (k, rd))
    return res


def check_run(T, args, pv, rundir, n, dim, expected_times, tag):
    check_xmf_text(T, rundir, expected_times, tag)
    npz = read_with_paraview(T, args, pv, rundir, ["final.xmf", "fields.xmf"], tag)
    _, tf, _ = h5_field(os.path.join(rundir, "final.h5"))
    for (f, rd), path in sorted(npz.items()):
        if not T.check(os.path.isfile(path), "%s: %s read %s" % (tag, rd, f)):
            continue
        fbt = [(None, "final.h5")] if f == "final.xmf" else series_on_disk(rundir)
        compare_reader(T, path, rundir, fbt, n, dim, "%s %s %s" % (tag, rd, f))


def test_read(T, args):
    pv = paraview_or_skip(False)
    base = ["-frames", "0", "-quiet", "-fftw_wisdom", "none"]
    # 3D, reduced units, the example of the issue; then extended to t = 30 with a restart:
    # final.h5 at t = 20 is replaced by the new one at t = 30, a dump at 25 added
    red = os.path.join(args.workdir, "reduced")
    opts = ["-units", "reduced", "-chi", "3", "-dim", "3", "-N", "24", "-L", "24", "-output", red] + base
    if T.check(uphill(args, 2, opts + ["-t_end", "20", "-dump_times", "2,5,10", "-force"]), "3D reduced run"):
        check_run(T, args, pv, red, 24, 3, [2.0, 5.0, 10.0, 20.0], "reduced")
        if T.check(uphill(args, 2, opts + ["-t_end", "30", "-dump_times", "25", "-restart", "auto"]), "3D reduced run extended to t = 30"):
            check_run(T, args, pv, red, 24, 3, [2.0, 5.0, 10.0, 25.0, 30.0], "extended")
    # 3D, SI units from inputs/cuag3d.opts (a spacing of 0.348 nm, times in s); a dump at
    # t_end holds the state of final.h5 and is listed once
    si = os.path.join(args.workdir, "si")
    opts = ["-options_file", os.path.join(SOURCE, "inputs", "cuag3d.opts"), "-N", "24", "-L", "8.3625e-9", "-t_end", "0.004",
            "-dump_times", "0.001,0.002,0.004", "-diag_every", "1000", "-output", si, "-force"] + base
    if T.check(uphill(args, 2, opts), "3D SI run (inputs/cuag3d.opts on 24^3)"):
        check_run(T, args, pv, si, 24, 3, [0.001, 0.002, 0.004], "si")
        T.check(series_on_disk(si)[-1][1].startswith("fields/"), "si: the dump at t_end stands for final.h5")
    # 2D: the same collection of 2D grids
    two = os.path.join(args.workdir, "2d")
    opts = ["-units", "reduced", "-chi", "3", "-N", "32", "-L", "40", "-t_end", "10", "-dump_times", "3,6", "-output", two,
            "-force"] + base
    if T.check(uphill(args, 2, opts), "2D reduced run"):
        check_run(T, args, pv, two, 32, 2, [3.0, 6.0, 10.0], "2d")


# ----------------------------------------------------------------------------- render

def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def mp4_info(path):
    """(width, height, frames) of the video stream, by ffprobe."""
    st, out = run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                   "stream=width,height,nb_read_frames", "-of", "csv=p=0", path], 60)
    try:
        w, h, n = (int(x) for x in out.strip().splitlines()[-1].split(","))
        return w, h, n
    except (ValueError, IndexError):
        return None


def check_render(T, run_dir, times, size, label):
    frames = sorted(glob.glob(os.path.join(run_dir, "frames3d", "frame_*.png")))
    T.check(len(frames) == len(times), "%s: %d frames (expected %d, one per time)" % (label, len(frames), len(times)))
    sizes = [png_size(f) for f in frames]
    T.check(all(s == size for s in sizes), "%s: PNG frames of %dx%d: %s" % (label, size[0], size[1], sizes))
    T.check(all(os.path.getsize(f) > 5000 for f in frames), "%s: frames not empty (%s bytes)" % (label, [os.path.getsize(f) for f in frames]))
    digests = {hashlib.sha1(open(f, "rb").read()).hexdigest() for f in frames}
    T.check(len(digests) == len(frames), "%s: every frame differs from the others" % label)
    try:
        with open(os.path.join(run_dir, "frames3d", "times.csv")) as f:
            rows = f.read().split("\n")[1:]
        got = [float(r.split(",")[1]) for r in rows if r]
    except (OSError, ValueError, IndexError):
        got = None
    T.check(got == list(times), "%s: times.csv lists the times of fields.xmf: %s" % (label, got))
    mp4 = os.path.join(run_dir, "movie3d.mp4")
    info = mp4_info(mp4) if os.path.isfile(mp4) else None
    T.check(info == (size[0], size[1], len(times)), "%s: movie3d.mp4 of %dx%d with %d frames: %s" % (label, size[0], size[1], len(times), info))


def test_render(T, args):
    paraview_or_skip(True)
    if not shutil.which("ffmpeg"):
        print("SKIP: ffmpeg is not installed (tools/setup installs it)")
        sys.exit(SKIP)
    # the input of the movie on 24^3, in SI units: a box of 8.4 nm (ParaView's OpenGL, single
    # precision, needs the scaling render3d applies)
    rd = os.path.join(args.workdir, "render")
    opts = ["-options_file", os.path.join(SOURCE, "inputs", "cuag3d.opts"), "-N", "24", "-L", "8.3625e-9", "-t_end", "0.004",
            "-dump_times", "0.001,0.002,0.003", "-diag_every", "1000", "-frames", "0", "-quiet", "-fftw_wisdom", "none",
            "-output", rd, "-force"]
    if not T.check(uphill(args, 2, opts), "3D run to render (inputs/cuag3d.opts on 24^3)"):
        return
    times = [t for t, _ in series_on_disk(rd)]
    # a stale frame of an earlier render is removed
    os.makedirs(os.path.join(rd, "frames3d"), exist_ok=True)
    open(os.path.join(rd, "frames3d", "frame_00042.png"), "wb").close()
    st, out = run([args.render3d, rd, "--size", "320x240", "--iso", "0.5", "--rotate", "--slice", "--fps", "4"], 300)
    if not T.check(st == 0, "render3d --size 320x240 --iso 0.5 --rotate --slice"):
        show(out)
    T.check("isosurface c = 0.5" in out, "render3d: isosurface at --iso 0.5")
    check_render(T, rd, times, (320, 240), "--rotate --slice")
    T.check(not os.path.exists(os.path.join(rd, "frames3d", "frame_00042.png")), "a stale frame of an earlier render is removed")
    st, out = run([args.render3d, rd, "--size", "321x241"], 300)
    if not T.check(st == 0, "render3d (defaults; odd --size)"):
        show(out)
    T.check("isosurface c = 0.4" in out, "render3d: isosurface at the mean composition 0.4 by default")
    check_render(T, rd, times, (322, 242), "defaults")

    # clear messages: no ParaView on PATH, no fields.xmf, a bad option
    bare = os.path.join(args.workdir, "bare_path")
    shutil.rmtree(bare, ignore_errors=True)
    os.makedirs(bare)
    os.symlink(sys.executable, os.path.join(bare, "python3"))
    st, out = run([args.render3d, rd], 60, env=dict(os.environ, PATH=bare))
    T.check(st != 0 and "tools/setup render3d" in out and "pvbatch" in out,
            "without ParaView: fails saying how to install it: %s" % out.strip()[-200:])
    empty = os.path.join(args.workdir, "empty")
    os.makedirs(empty, exist_ok=True)
    st, out = run([args.render3d, empty], 60)
    T.check(st != 0 and "fields.xmf" in out, "without fields.xmf: fails naming it: %s" % out.strip()[-200:])
    st, out = run([args.render3d, rd, "--size", "big"], 60)
    T.check(st == 2 and "--size" in out, "bad --size: usage error naming it: %s" % out.strip()[-200:])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["read", "render"])
    ap.add_argument("--uphill", required=True)
    ap.add_argument("--render3d", default=os.path.join(SOURCE, "tools", "render3d"))
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--np-flag", default="-n")
    ap.add_argument("--mpi-flags", default="--allow-run-as-root --oversubscribe --bind-to none")
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    args.workdir = os.path.abspath(args.workdir)
    os.makedirs(args.workdir, exist_ok=True)
    T = Tally()
    (test_read if args.what == "read" else test_render)(T, args)
    return T.finish()


if __name__ == "__main__":
    sys.exit(main())
