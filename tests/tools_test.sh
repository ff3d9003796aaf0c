#!/usr/bin/env bash
# Regression test of the tools: a tiny real run of uphill, then tools/movie, tools/plot and
# tools/phase-diagram on it, tools/profile on a small couple, checking that each output exists and is the file type it
# claims to be (magic bytes), and that the tools fail cleanly on bad input.
#
# Usage: tests/tools_test.sh UPHILL_BINARY BUILD_DIR
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 UPHILL_BINARY BUILD_DIR" >&2; exit 2; }
uphill=$1
build=$(cd "$2" && pwd)
tools=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)
out="$build/tests/out/tools"
run="$out/run"
passed=0 failed=0

check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    echo "ok   - $what"
    passed=$((passed + 1))
  else
    echo "FAIL - $what"
    failed=$((failed + 1))
  fi
}

magic() { # magic FILE OFFSET HEX: the bytes at OFFSET are HEX (and the file is non-empty)
  [[ -s "$1" ]] || return 1
  [[ "$(od -An -tx1 -j "$2" -N $((${#3} / 2)) "$1" | tr -d ' \n')" == "$3" ]]
}
is_png() { magic "$1" 0 89504e470d0a1a0a; }
is_gif() { magic "$1" 0 474946383961 || magic "$1" 0 474946383761; } # GIF89a / GIF87a
is_mp4() { magic "$1" 4 66747970; }                                  # 'ftyp' box
fails() { ! "$@" >/dev/null 2>&1; }                                   # command must fail
quiet() { "$@" >/dev/null; }

rm -rf "$out"
mkdir -p "$out"
# nothing of the test may land in $HOME: matplotlib's cache goes below the test's own folder
export MPLCONFIGDIR="$out/mplconfig"
mpiexec=${MPIEXEC:-mpiexec}

# ---- a tiny real run (2 ranks, so the frames come from the parallel gather) ----
# Error-controlled steps (no -dt): this coarse grid (h = 2) does not suit a fixed step of the
# regular model. Waiting ranks yield their core; a hang ends after two minutes.
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}
if ! timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe --bind-to none -n 2 "$uphill" -units reduced -chi 3 -c0 0.5 \
  -N 32 -L 64 -t_end 50 -frames 4 -output "$run" -quiet -fftw_wisdom none; then
  echo "FAIL - the uphill run itself failed; no tool can be tested"
  echo "0 passed, 1 failed"
  exit 1
fi
check "run wrote diagnostics.csv" test -s "$run/diagnostics.csv"
check "run wrote run.opts" test -s "$run/run.opts"
shopt -s nullglob
frames=("$run"/frames/frame_*.png)
shopt -u nullglob
check "run wrote frames (${#frames[@]})" test "${#frames[@]}" -ge 2
all_png=true
for f in "${frames[@]}"; do is_png "$f" || all_png=false; done
check "every frame is a PNG" $all_png

# ---- movie ----
if command -v ffmpeg >/dev/null 2>&1; then
  check "tools/movie runs" "$tools/movie" "$run" --fps 4
  check "movie.mp4 is an MP4" is_mp4 "$run/movie.mp4"
  check "movie.gif is a GIF" is_gif "$run/movie.gif"
  check "no temporary movie files left" test ! -e "$run/.movie.tmp.mp4" -a ! -e "$run/.movie.tmp.gif"
else
  echo "skip - ffmpeg not installed: tools/movie not tested"
fi
mkdir -p "$out/empty/frames"
check "tools/movie refuses a run without frames" fails "$tools/movie" "$out/empty"
check "tools/movie refuses a missing directory" fails "$tools/movie" "$out/missing"
check "tools/movie --help works" quiet "$tools/movie" --help

# ---- plot ----
check "tools/plot runs" "$tools/plot" "$run"
for p in free_energy mixing_entropy spinodal_fraction length summary; do
  check "$p.png is a PNG" is_png "$run/$p.png"
done
check "tools/plot refuses a directory without diagnostics.csv" fails "$tools/plot" "$out/empty"
check "tools/plot --help works" quiet "$tools/plot" --help

# ---- phase diagram (curves from the C thermodynamics via uphill-phase-table) ----
export UPHILL_BUILD_DIR="$build"
check "uphill-phase-table is built" test -x "$build/uphill-phase-table"
check "tools/phase-diagram --run runs" "$tools/phase-diagram" --run "$run"
check "phase_diagram.png is a PNG" is_png "$run/phase_diagram.png"
check "tools/phase-diagram with SI flags runs" "$tools/phase-diagram" --omega 30000 --T 773 --c0 0.3 -o "$out/pd_si.png"
check "pd_si.png is a PNG" is_png "$out/pd_si.png"
check "tools/phase-diagram refuses omega <= 0" fails "$tools/phase-diagram" --omega -1 -o "$out/pd_bad.png"
check "... and writes nothing then" test ! -e "$out/pd_bad.png"
check "tools/phase-diagram --help works" quiet "$tools/phase-diagram" --help

# ---- profile (a small couple with saved fields; uphill-flux recomputes J from them) ----
couple="$out/couple"
if timeout 120 "$mpiexec" --allow-run-as-root --oversubscribe --bind-to none -n 2 "$uphill" -units reduced -chi 2.5 \
  -ic couple -couple_c 0.35,0.65 -couple_width 4 -noise 0 -N 128,8 -L 64,8 -t_end 20 -dump_times 5,10 -frames 0 \
  -output "$couple" -quiet -fftw_wisdom none; then
  check "uphill-flux is built" test -x "$build/uphill-flux"
  check "tools/profile runs" "$tools/profile" "$couple"
  check "profile.png is a PNG" is_png "$couple/profile.png"
  check "tools/profile -o and --times" "$tools/profile" "$couple" --times 5,20 -o "$out/profile_times.png"
  check "profile_times.png is a PNG" is_png "$out/profile_times.png"
  if command -v ffmpeg >/dev/null 2>&1; then
    check "tools/profile --movie runs" "$tools/profile" "$couple" --movie --fps 4
    check "profile.mp4 is an MP4" is_mp4 "$couple/profile.mp4"
    check "no temporary profile movie left" test ! -e "$couple/.profile.tmp.mp4"
  fi
else
  check "the couple run for tools/profile" false
fi
mkdir -p "$out/nofields" && cp "$run/run.opts" "$out/nofields/"
check "tools/profile refuses a run without saved fields" fails "$tools/profile" "$out/nofields"
check "tools/profile refuses a missing directory" fails "$tools/profile" "$out/missing"
check "tools/profile refuses a bad --times" fails "$tools/profile" "$couple" --times 5,x
check "tools/profile --help works" quiet "$tools/profile" --help

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
