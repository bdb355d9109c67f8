"""Plot ``bench_watcher.py``'s figures: requests per poll cycle and memory against N.

Reads ``benchmarks/results/bench_watcher.json`` (or the videos suite's
``bench_watcher_videos.json``) and writes two PNG files to
``benchmarks/plots/``, each with one line per variant (the watchers and the
hand-written baselines) over a logarithmic N axis:

- ``requests_per_cycle.png`` (``videos_requests_per_cycle.png``): requests
  per poll interval of wall time (``requests / (wall / interval)``), with the
  one request per id and interval that per-id polling needs to keep the
  interval, for reference;
- ``memory_per_replica.png`` (``memory_per_video.png``): bytes held per
  watched id (tracemalloc).

Usage: ``python benchmarks/plot.py [--json PATH] [--out DIR]``. Needs
matplotlib (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib as mpl


mpl.use("Agg")

import matplotlib.pyplot as plt
from _common import HERE, RESULTS
from matplotlib.axes import Axes
from matplotlib.figure import Figure


STYLE = {
    "watcher": {"color": "tab:blue", "marker": "o", "label": "ReplicaWatcher"},
    "gather": {"color": "tab:orange", "marker": "s", "label": "gather (by hand)"},
    "sequential": {
        "color": "tab:green",
        "marker": "^",
        "label": "sequential (by hand)",
    },
    "watcher-by-id": {
        "color": "tab:purple",
        "marker": "D",
        "label": "Watcher, by id only",
    },
}
"""How each variant is drawn."""

LABELS = {"videos": {"watcher": "videos.watcher() (its own choice)"}}
"""Labels of a suite other than replicas, where they differ."""


def suite(report: dict[str, Any]) -> str:
    """The suite a report is of: ``replicas`` or ``videos``."""
    resource: str = report["settings"].get("resource", "replicas")
    return resource


def noun(report: dict[str, Any]) -> str:
    """What the report's suite watches: ``replica`` or ``video``."""
    return suite(report).removesuffix("s")


def by_variant(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The result rows of each variant, by growing N."""
    variants: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda row: row["n"]):
        variants.setdefault(row["variant"], []).append(row)
    return variants


def draw(
    axes: Axes,
    report: dict[str, Any],
    key: str,
    *,
    stopped: str | None = None,
) -> None:
    """One line per variant of ``key`` against N.

    Rows without ``key`` are left out; rows whose ``stopped`` key is set (a run
    stopped before the end) get a black ring and the reason.
    """
    variants = by_variant(report["results"])
    labels = LABELS.get(suite(report), {})
    for variant, rows in variants.items():
        style = STYLE[variant]
        points = [row for row in rows if key in row]
        axes.plot(
            [row["n"] for row in points],
            [row[key] for row in points],
            color=style["color"],
            marker=style["marker"],
            label=labels.get(variant, style["label"]),
        )
        for row in points:
            if stopped is not None and row[stopped] is not None:
                axes.plot(
                    row["n"],
                    row[key],
                    marker=style["marker"],
                    markersize=12,
                    markerfacecolor="none",
                    color="black",
                )
                axes.annotate(
                    f"stopped: {row[stopped]}",
                    (row["n"], row[key]),
                    textcoords="offset points",
                    xytext=(6, -12),
                    fontsize=8,
                )
    ns = sorted({row["n"] for rows in variants.values() for row in rows})
    axes.set_xscale("log")
    axes.set_xticks(ns, labels=[f"{n:,}" for n in ns])
    axes.minorticks_off()
    axes.set_xlabel(f"{noun(report)}s watched (N)")
    axes.grid(True, which="both", alpha=0.3)


def subtitle(report: dict[str, Any]) -> str:
    """The run's settings and machine, in one line."""
    settings, host = report["settings"], report["machine"]
    job = "training" if suite(report) == "replicas" else "generation"
    return (
        f"interval {settings['interval_s']:g} s, {job} "
        f"{settings['training_s'][0]:g}-{settings['training_s'][1]:g} s; "
        f"{host['cpus']} CPUs, Python {host['python']}, aiohttp {host['aiohttp']}, "
        f"commit {host.get('commit', '?')}, {report['date'][:10]}"
    )


def save(figure: Figure, axes: Axes, report: dict[str, Any], path: Path) -> None:
    """Add the run's settings and the legend, write the PNG, free the figure."""
    axes.set_title(subtitle(report), fontsize=8)
    axes.legend()
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    print(f"wrote {path}")


def requests_plot(report: dict[str, Any], path: Path) -> None:
    """Requests per poll cycle against N."""
    rows = report["results"]
    figure, axes = plt.subplots(figsize=(8, 5.5))
    ns = sorted({row["n"] for row in rows})
    axes.plot(
        ns,
        ns,
        linestyle=":",
        color="grey",
        label="per-id polling at the interval (N per cycle)",
    )
    draw(axes, report, "requests_per_cycle", stopped="stopped")
    axes.set_yscale("log")
    axes.set_ylabel("requests per poll cycle  (requests / (wall / interval))")
    figure.suptitle(f"Requests per poll cycle, watching N {noun(report)}s to the end")
    save(figure, axes, report, path)


def memory_plot(report: dict[str, Any], path: Path) -> None:
    """Bytes held per watched id against N."""
    figure, axes = plt.subplots(figsize=(8, 5.5))
    key = f"bytes_per_{noun(report)}"
    draw(axes, report, key)
    for row in report["results"]:
        if key in row:
            axes.annotate(
                f"{row[key]:,.0f} B",
                (row["n"], row[key]),
                textcoords="offset points",
                xytext=(7, 4),
                ha="left",
                fontsize=8,
            )
    target = report["targets"].get(f"{key}_max")
    if target is not None:
        axes.axhline(
            target,
            linestyle="--",
            color="tab:blue",
            alpha=0.5,
            label=f"the watcher's target ({target:,} B)",
        )
    axes.set_ylim(bottom=0)
    axes.set_ylabel(f"bytes held per watched {noun(report)} (tracemalloc)")
    figure.suptitle(f"Memory per watched {noun(report)}, each seen once, none changed")
    save(figure, axes, report, path)


def main() -> None:
    """Read the JSON, write both plots (named for the report's suite)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_watcher.json")
    parser.add_argument("--out", type=Path, default=HERE / "plots")
    args = parser.parse_args()
    report = json.loads(args.json.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    prefix = "" if suite(report) == "replicas" else f"{suite(report)}_"
    requests_plot(report, args.out / f"{prefix}requests_per_cycle.png")
    memory_plot(report, args.out / f"memory_per_{noun(report)}.png")


if __name__ == "__main__":
    main()
