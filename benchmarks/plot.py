"""Plot ``bench_watcher.py``'s figures: requests per poll cycle and memory against N.

Reads ``benchmarks/results/bench_watcher.json`` and writes two PNG files to
``benchmarks/plots/``, each with one line per variant (the watcher and the
hand-written baselines) over a logarithmic N axis:

- ``requests_per_cycle.png``: requests per poll interval of wall time
  (``requests / (wall / interval)``), with the one request per replica and
  interval that per-id polling needs to keep the interval, for reference;
- ``memory_per_replica.png``: bytes held per watched replica (tracemalloc).

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
}
"""How each variant is drawn."""


def by_variant(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The result rows of each variant, by growing N."""
    variants: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda row: row["n"]):
        variants.setdefault(row["variant"], []).append(row)
    return variants


def draw(
    axes: Axes,
    variants: dict[str, list[dict[str, Any]]],
    key: str,
    *,
    stopped: str | None = None,
) -> None:
    """One line per variant of ``key`` against N.

    Rows without ``key`` are left out; rows whose ``stopped`` key is set (a run
    stopped before the end) get a black ring and the reason.
    """
    for variant, rows in variants.items():
        style = STYLE[variant]
        points = [row for row in rows if key in row]
        axes.plot(
            [row["n"] for row in points],
            [row[key] for row in points],
            color=style["color"],
            marker=style["marker"],
            label=style["label"],
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
    axes.set_xlabel("replicas watched (N)")
    axes.grid(True, which="both", alpha=0.3)


def subtitle(report: dict[str, Any]) -> str:
    """The run's settings and machine, in one line."""
    settings, host = report["settings"], report["machine"]
    return (
        f"interval {settings['interval_s']:g} s, training "
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
    draw(axes, by_variant(rows), "requests_per_cycle", stopped="stopped")
    axes.set_yscale("log")
    axes.set_ylabel("requests per poll cycle  (requests / (wall / interval))")
    figure.suptitle("Requests per poll cycle, watching N replicas to the end")
    save(figure, axes, report, path)


def memory_plot(report: dict[str, Any], path: Path) -> None:
    """Bytes held per watched replica against N."""
    figure, axes = plt.subplots(figsize=(8, 5.5))
    variants = by_variant(report["results"])
    draw(axes, variants, "bytes_per_replica")
    for rows in variants.values():
        for row in rows:
            if "bytes_per_replica" in row:
                axes.annotate(
                    f"{row['bytes_per_replica']:,.0f} B",
                    (row["n"], row["bytes_per_replica"]),
                    textcoords="offset points",
                    xytext=(7, 4),
                    ha="left",
                    fontsize=8,
                )
    target = report["targets"]["bytes_per_replica_max"]
    axes.axhline(
        target,
        linestyle="--",
        color="tab:blue",
        alpha=0.5,
        label=f"the watcher's target ({target:,} B)",
    )
    axes.set_ylim(bottom=0)
    axes.set_ylabel("bytes held per watched replica (tracemalloc)")
    figure.suptitle("Memory per watched replica, each seen once, none changed")
    save(figure, axes, report, path)


def main() -> None:
    """Read the JSON, write both plots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS / "bench_watcher.json")
    parser.add_argument("--out", type=Path, default=HERE / "plots")
    args = parser.parse_args()
    report = json.loads(args.json.read_text())
    args.out.mkdir(parents=True, exist_ok=True)
    requests_plot(report, args.out / "requests_per_cycle.png")
    memory_plot(report, args.out / "memory_per_replica.png")


if __name__ == "__main__":
    main()
