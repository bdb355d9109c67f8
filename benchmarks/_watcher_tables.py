"""The tables ``bench_watcher.py`` prints, from its result rows.

- ``comparison``: every replica variant at every N;
- ``targets``: the replica watcher against the targets of issue #3;
- ``videos``: every video variant at every N, with the mode the watcher chose;
- ``video_ratios``: the engine's own choice against per-id polling by the
  same engine (``watcher-by-id``), measured in the same run.
"""

from __future__ import annotations

from typing import Any

from _common import text_table


REQUEST_SHARE_TARGET = 50  # requests <= 1/50 of per-id polling ...
REQUEST_SHARE_AT = 10_000  # ... at this N
BYTES_TARGET = 2048


def ms(row: dict[str, Any], key: str) -> str:
    """``row[key]`` seconds in whole milliseconds, or ``-`` if not measured."""
    return f"{row[key] * 1000:,.0f}" if key in row else "-"


def wall(row: dict[str, Any]) -> str:
    """The wall time, and why the run stopped if it did not finish."""
    if row["stopped"] is None:
        return f"{row['wall_s']:.2f}"
    return f"{row['wall_s']:.0f} ({row['stopped']})"


def held(row: dict[str, Any], key: str) -> str:
    """Bytes held per id, or why the memory run stopped."""
    return f"{row[key]:,.0f}" if key in row else str(row["memory_stopped"])


def comparison(rows: list[dict[str, Any]]) -> str:
    """Every replica variant at every N, side by side."""
    header = (
        "N",
        "variant",
        "wall s",
        "requests",
        "req/cycle",
        "client CPU s",
        "server CPU s",
        "peak RSS MB",
        "B/replica",
        "latency p50 ms",
        "p99 ms",
        "changes seen",
    )
    lines = [
        (
            f"{row['n']:,}",
            row["variant"],
            wall(row),
            f"{row['server_requests']:,}",
            f"{row['requests_per_cycle']:,.0f}",
            f"{row['client_cpu_s']:.2f}",
            f"{row['server_cpu_s']:.2f}",
            f"{row['peak_rss_mb']:.0f}",
            held(row, "bytes_per_replica"),
            ms(row, "latency_median_s"),
            ms(row, "latency_p99_s"),
            f"{row.get('status_changes_seen', 0):,}",
        )
        for row in rows
    ]
    return text_table(header, lines)


def targets(rows: list[dict[str, Any]], interval: float, slack: float) -> str:
    """The replica watcher's rows against its targets."""
    limit_ms = (interval + slack) * 1000
    header = (
        "N",
        "wall/ideal",
        "requests",
        "per-id polls",
        f"share (<=1/{REQUEST_SHARE_TARGET} @{REQUEST_SHARE_AT:,})",
        f"B/replica (<={BYTES_TARGET:,})",
        f"p99 ms (<={limit_ms:,.0f})",
    )
    lines = [
        (
            f"{row['n']:,}",
            f"{row['wall_over_ideal']:.3f}",
            f"{row['watcher_requests']:,} ({row['server_requests']:,})",
            f"{row['per_id_polling_requests']:,}",
            f"1/{1 / row['requests_share']:.0f} {row['verdicts']['requests']}",
            f"{row['bytes_per_replica']:,.0f} {row['verdicts']['memory']}",
            f"{row['latency_p99_s'] * 1000:,.0f} {row['verdicts']['latency']}",
        )
        for row in rows
        if "verdicts" in row
    ]
    return text_table(header, lines)


def mode(row: dict[str, Any]) -> str:
    """The watcher's last mode and its full sweeps; ``-`` for a loop by hand."""
    if "watcher_mode" not in row:
        return "-"
    return f"{row['watcher_mode']} ({row['watcher_sweeps']:,} sweeps)"


def endings(row: dict[str, Any]) -> str:
    """The checked outcomes (``ready`` and ``error`` counts), or ``-``."""
    counts = row.get("endings")
    if counts is None:
        return "-"
    return ", ".join(f"{count:,} {status}" for status, count in sorted(counts.items()))


def videos(rows: list[dict[str, Any]]) -> str:
    """Every video variant at every N, side by side."""
    header = (
        "N",
        "variant",
        "wall s",
        "requests",
        "pages",
        "gets",
        "req/cycle",
        "mode",
        "client CPU s",
        "server CPU s",
        "peak RSS MB",
        "B/video",
        "latency p50 ms",
        "p99 ms",
        "outcomes as scripted",
    )
    lines = [
        (
            f"{row['n']:,}",
            row["variant"],
            wall(row),
            f"{row['server_requests']:,}",
            f"{row['server_list_requests']:,}",
            f"{row['server_get_requests']:,}",
            f"{row['requests_per_cycle']:,.0f}",
            mode(row),
            f"{row['client_cpu_s']:.2f}",
            f"{row['server_cpu_s']:.2f}",
            f"{row['peak_rss_mb']:.0f}",
            held(row, "bytes_per_video"),
            ms(row, "latency_median_s"),
            ms(row, "latency_p99_s"),
            endings(row),
        )
        for row in rows
    ]
    return text_table(header, lines)


RATIOS = {
    "requests": "server_requests",
    "req/cycle": "requests_per_cycle",
    "client CPU": "client_cpu_s",
    "server CPU": "server_cpu_s",
    "latency p99": "latency_p99_s",
    "B/video": "bytes_per_video",
}
"""The ratio columns and the figure each divides."""


def ratio(a: dict[str, Any], b: dict[str, Any], key: str) -> str:
    """``a[key] / b[key]``, or ``-`` when either was not measured."""
    return f"{a[key] / b[key]:.3f}" if key in a and key in b else "-"


def video_ratios(rows: list[dict[str, Any]]) -> str:
    """The engine's own choice over per-id polling by the same engine, per N."""
    by = {(row["n"], row["variant"]): row for row in rows}
    lines = [
        (
            f"{n:,}",
            *(
                ratio(by[n, "watcher"], by[n, "watcher-by-id"], key)
                for key in RATIOS.values()
            ),
        )
        for n in sorted({row["n"] for row in rows})
        if (n, "watcher") in by and (n, "watcher-by-id") in by
    ]
    return "watcher / watcher-by-id, same run:\n" + text_table(("N", *RATIOS), lines)
