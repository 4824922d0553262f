#!/usr/bin/env python3
"""Markdown tables from the last `cargo bench --bench pipeline` run (python3, stdlib only).

    cargo bench --bench pipeline && python3 benches/report.py

Reads criterion's `target/criterion/<group>/<benchmark>/new/estimates.json` (the latest run of
each benchmark; `$CARGO_TARGET_DIR` and `$CRITERION_HOME` are honoured as criterion does) and
the generated workspaces in `target/bench-workspaces/<group>/` for input bytes and file counts.
Groups are named `<size>-<layout>` by benches/pipeline.rs. Every time is criterion's median.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
CRITERION = Path(os.environ.get("CRITERION_HOME", TARGET / "criterion"))
WORKSPACES = TARGET / "bench-workspaces"

SIZES = ["S", "M", "L"]
SERVICES = {"S": 100, "M": 5_000, "L": 100_000}
LAYOUTS = ["single", "per-service"]
STAGES = ["load", "parse", "resolve", "check", "compile", "emit", "bundle-streamed"]
END_TO_END = ["e2e-check", "e2e-build"]
# Benchmarks of one group whose results are further apart than this did not come from the same
# run: their ratios are flagged.
SAME_RUN_SECONDS = 20 * 60


def fmt_time(ns):
    if ns is None:
        return "–"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def fmt_bytes(n):
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n} B"


def fmt_ratio(x, target=None):
    if x is None:
        return "–"
    s = f"{x:.2f}x"
    if target is not None and x > target:
        s += " ❌"
    return s


def read_group(group):
    """{benchmark: (median ns, mtime)} for one criterion group."""
    out = {}
    base = CRITERION / group
    for bench in STAGES + END_TO_END + ["floor"]:
        est = base / bench / "new" / "estimates.json"
        if est.is_file():
            with open(est) as f:
                median = json.load(f)["median"]["point_estimate"]
            out[bench] = (median, est.stat().st_mtime)
    return out


def input_size(group):
    """(bytes, files) of the workspace's TOML files, as the loader sees them (no hidden ones)."""
    root = WORKSPACES / group
    if not root.is_dir():
        return None
    total = files = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.endswith(".toml") and not name.startswith("."):
                total += os.path.getsize(os.path.join(dirpath, name))
                files += 1
    return total, files


def main():
    if not CRITERION.is_dir():
        sys.exit(f"{CRITERION}: no criterion results; run `cargo bench --bench pipeline` first")
    results = {}
    for size in SIZES:
        for layout in LAYOUTS:
            group = f"{size}-{layout}"
            r = read_group(group)
            if r:
                results[(size, layout)] = (r, input_size(group))
    if not results:
        sys.exit(f"{CRITERION}: no results of benches/pipeline.rs")

    def t(size, layout, bench):
        r = results.get((size, layout))
        return r[0][bench][0] if r and bench in r[0] else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    warnings = []
    print("### Pipeline (criterion medians)\n")
    print(
        "| size | layout | bytes | files | "
        + " | ".join(STAGES)
        + " | floor | e2e check | e2e build | check / floor | build / floor |"
    )
    print("|" + " --- |" * (4 + len(STAGES) + 5))
    for (size, layout), (r, inp) in results.items():
        bytes_, files = inp if inp else (None, None)
        times = {b: r[b][0] for b in r}
        stamps = [m for _, m in r.values()]
        if max(stamps) - min(stamps) > SAME_RUN_SECONDS:
            warnings.append(
                f"{size}-{layout}: its benchmarks come from runs more than "
                f"{SAME_RUN_SECONDS // 60} min apart; its ratios to the floor mix runs"
            )
        row = [
            size,
            layout,
            fmt_bytes(bytes_) if bytes_ is not None else "–",
            f"{files:,}" if files is not None else "–",
        ]
        row += [fmt_time(times.get(s)) for s in STAGES]
        row += [fmt_time(times.get(b)) for b in ["floor"] + END_TO_END]
        floor = times.get("floor")
        row.append(fmt_ratio(ratio(times.get("e2e-check"), floor)))
        # The target: build on L within 1.5x of the floor.
        row.append(fmt_ratio(ratio(times.get("e2e-build"), floor), 1.5 if size == "L" else None))
        print("| " + " | ".join(row) + " |")
    print(
        "\nStages: `check` runs the transfer graph and the rules; `emit` writes the compiled"
        " bundle as JSON and renders the diagnostics, both to a sink; `bundle-streamed` is"
        " compile and JSON fused, as `build` runs them (`compile::write_workspace`). End to end:"
        " `e2e check` is load + parse + resolve + check; `e2e build` adds the streamed bundle."
        " The floor reads the same files and parses each into a `toml::Table`."
    )

    # Linearity: L/M time ratio against the size ratio (target: within 1.3x of it).
    lin = [(layout) for layout in LAYOUTS if ("M", layout) in results and ("L", layout) in results]
    if lin:
        print("\n### Linearity: L / M\n")
        print(
            "| layout | bytes ratio | benchmark | M | L | time ratio | time ratio / bytes ratio |"
        )
        print("|" + " --- |" * 7)
        for layout in lin:
            m_at = max(m for _, m in results[("M", layout)][0].values())
            l_at = max(m for _, m in results[("L", layout)][0].values())
            if abs(m_at - l_at) > SAME_RUN_SECONDS:
                warnings.append(
                    f"{layout}: M and L come from runs {abs(m_at - l_at) / 3600:.1f} h apart"
                    " (maybe of different code); their ratios mix runs"
                )
            m_in, l_in = results[("M", layout)][1], results[("L", layout)][1]
            size_ratio = l_in[0] / m_in[0] if m_in and l_in else SERVICES["L"] / SERVICES["M"]
            for bench in ["floor"] + END_TO_END + STAGES:
                m, l_ = t("M", layout, bench), t("L", layout, bench)
                tr = ratio(l_, m)
                print(
                    f"| {layout} | {size_ratio:.1f} | {bench} | {fmt_time(m)} | {fmt_time(l_)} | "
                    f"{fmt_ratio(tr)} | {fmt_ratio(ratio(tr, size_ratio), 1.3)} |"
                )

    # The many-files layout against the single file (target: at most 1.3x at M).
    pairs = [s for s in SIZES if (s, "single") in results and (s, "per-service") in results]
    if pairs:
        print("\n### Per-service layout / single-file layout\n")
        print("| size | benchmark | single | per-service | ratio |")
        print("|" + " --- |" * 5)
        for size in pairs:
            for bench in ["floor"] + END_TO_END:
                a, b = t(size, "single", bench), t(size, "per-service", bench)
                target = 1.3 if size == "M" and bench != "floor" else None
                print(
                    f"| {size} | {bench} | {fmt_time(a)} | {fmt_time(b)} | "
                    f"{fmt_ratio(ratio(b, a), target)} |"
                )
    if warnings:
        print()
        for w in warnings:
            print(f"> warning: {w}")
    print("\n❌ marks a figure over the issue's target.")


if __name__ == "__main__":
    main()
