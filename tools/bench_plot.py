"""Plots of tools/bench: bench.png (speed) and precision.png (work-precision).

Both are drawn from the records that bench.json / precision.json hold, so
`tools/bench speed --plot-only` and `tools/bench precision --plot-only` redraw them."""
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the back end is chosen)
import matplotlib.ticker  # noqa: E402

RANK_COLORS = {1: "tab:blue", 2: "tab:red", 4: "tab:green", 8: "tab:purple"}


def _finite(v):
    return v is not None and not (isinstance(v, float) and (math.isnan(v) or math.isinf(v)))


def plot_speed(path, rows):
    """Time per step versus grid points, log-log: the scheme step of uphill-bench-fft (solid),
    the real run's time-loop step (dotted, open), and the FFT floor FFTs/step x one transform
    (dashed), per rank count; 2D circles, 3D squares. Regular model only."""
    rows = [r for r in rows if r.get("model") == "regular"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for ranks in sorted({r["ranks"] for r in rows}):
        c = RANK_COLORS.get(ranks)
        rl = f"{ranks} rank{'s' if ranks > 1 else ''}"
        for dim, mk in ((2, "o"), (3, "s")):
            sel = sorted((r for r in rows if r["ranks"] == ranks and r["dim"] == dim), key=lambda r: r["points"])
            if not sel:
                continue
            x = [r["points"] for r in sel]
            ax.plot(x, [r["step_ms"] for r in sel], marker=mk, color=c, ls="-",
                    label=f"step (uphill-bench-fft), {dim}D, {rl}")
            run = [(r["points"], r["run_step_ms"]) for r in sel if _finite(r.get("run_step_ms"))]
            if run:
                ax.plot(*zip(*run), marker=mk, mfc="none", color=c, ls=":",
                        label=f"step in a real run (-log_view), {dim}D, {rl}")
            ax.plot(x, [r["floor_ms"] for r in sel], marker="x", color=c, ls="--",
                    label=f"FFT floor: FFTs/step x transform, {dim}D, {rl}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    if rows:
        xs = sorted({r["points"] for r in rows})
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xticks(xs)
        ax.set_xticklabels(["\n".join(sorted({r["size"] for r in rows if r["points"] == x})) + f"\n{x:.3g}"
                            for x in xs], fontsize=8)
    ax.set_xlabel("grid points")
    ax.set_ylabel("wall time per step (ms)")
    ax.set_title("uphill, regular model: time per step and its FFT floor (dashed)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


MARKERS = ["o", "s", "^", "v", "D", "P", "X", "*"]


def plot_precision(path, data):
    """Error against a converged reference versus wall time, log-log, one line per method (its
    settings in order), failed runs left out, and the 1% line."""
    rows = data["results"]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    methods = []
    for r in rows:
        if r["method"] not in methods:
            methods.append(r["method"])
    for i, m in enumerate(methods):
        sel = [r for r in rows if r["method"] == m and _finite(r.get("error")) and _finite(r.get("wall_s"))
               and r["error"] > 0]
        if not sel:
            continue
        sel.sort(key=lambda r: r["wall_s"])
        ax.plot([r["wall_s"] for r in sel], [r["error"] for r in sel], marker=MARKERS[i % len(MARKERS)],
                ls="-" if not any(r.get("interpolated") for r in sel) else "--", label=m)
        for r in sel:
            ax.annotate(r["setting"], (r["wall_s"], r["error"]), fontsize=6, xytext=(3, 3),
                        textcoords="offset points")
    ax.axhline(0.01, color="k", ls=":", lw=1, label="1%")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"wall time of the whole run (s), {data.get('ranks', 1)} rank(s)")
    ax.set_ylabel(f"max over t in {{{', '.join(format(t, 'g') for t in data['times'])}}} "
                  f"of |{data['metric_symbol']} - ref| / ref")
    ax.set_title(f"{data['problem']}: work-precision to t = {data['t_end']:g} {data.get('time_unit', '')}\n"
                 f"reference: {data['reference']['label']}", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)

