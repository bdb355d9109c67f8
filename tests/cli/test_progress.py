"""Progress of a long run: the tally, its formatting, and the log and rich displays."""

from __future__ import annotations

import importlib.util
import io
import random
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tavus_async.cli import _progress
from tavus_async.cli._progress import (
    RICH_HINT,
    Display,
    LogDisplay,
    RichDisplay,
    open_display,
)
from tavus_async.cli._tally import (
    ETA_MIN_ELAPSED,
    Snapshot,
    Tally,
    estimate_eta,
    format_duration,
    summary,
)


NOW = datetime(2024, 5, 1, 9, 8, 7, tzinfo=UTC)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Flushes(io.StringIO):
    """Records what had been written at each flush."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())


def snap(**fields: Any) -> Snapshot:
    defaults: dict[str, Any] = {
        "total": 0,
        "counts": (),
        "finished": 0,
        "mean_progress": None,
        "rate_per_minute": None,
        "eta_seconds": None,
        "elapsed": 0.0,
    }
    return Snapshot(**{**defaults, **fields})


def tally_of(
    *entries: tuple[str, int | None, bool], clock: Clock | None = None
) -> Tally:
    tally = Tally(clock=clock or Clock())
    for n, (label, progress, final) in enumerate(entries):
        tally.add(f"k{n}", label, progress=progress, final=final)
    return tally


@pytest.fixture
def terminal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 100-column colour terminal, whatever the environment of the test run."""
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "COLORTERM", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def closing() -> Iterator[Callable[[Display], Display]]:
    """Closes every display it is given, so a failed test leaves no Live running."""
    displays: list[Display] = []
    yield lambda display: displays.append(display) or display
    for display in displays:
        display.close()


@pytest.fixture
def without_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make rich (and any of its modules already loaded) impossible to import."""
    for name in [m for m in sys.modules if m == "rich" or m.startswith("rich.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "rich", None)


# The tally


@pytest.mark.parametrize(
    ("entries", "counts"),
    [
        ((), ()),
        ((("started", None, False),) * 3, (("started", 3),)),
        (
            (
                ("completed", None, True),
                ("zombie", None, False),
                ("error", None, True),
                ("training", 10, False),
                ("deleted", None, True),
                ("creating", None, False),
                ("started", None, False),
                ("cancelled", None, True),
                ("unconfirmed", None, False),
                ("not_created", None, False),
                ("training", 20, False),
            ),
            (
                ("not_created", 1),
                ("creating", 1),
                ("unconfirmed", 1),
                ("started", 1),
                ("training", 2),
                ("zombie", 1),
                ("completed", 1),
                ("error", 1),
                ("cancelled", 1),
                ("deleted", 1),
            ),
        ),
        (
            (("error", None, False), ("ready", None, False)),
            (("ready", 1), ("error", 1)),
        ),
    ],
)
def test_counts_in_order(
    entries: tuple[tuple[str, int | None, bool], ...],
    counts: tuple[tuple[str, int], ...],
) -> None:
    snapshot = tally_of(*entries).snapshot()
    assert counts == snapshot.counts
    assert len(entries) == snapshot.total
    assert sum(final for _, _, final in entries) == snapshot.finished


def test_counts_follow_sets_and_drop_zeros() -> None:
    tally = tally_of(("not_created", None, False), ("not_created", None, False))
    tally.set("k0", "creating")
    tally.set("k1", "creating")
    tally.set("k0", "started", progress=5)
    assert (("creating", 1), ("started", 1)) == tally.snapshot().counts
    tally.set("k0", "completed", final=True)
    tally.set("k1", "failed to create", final=True)
    assert (("completed", 1), ("failed to create", 1)) == tally.snapshot().counts


@pytest.mark.parametrize(
    ("entries", "mean"),
    [
        ((), None),
        ((("started", None, False),), None),
        ((("training", 40, True),), None),
        ((("training", 40, False),), 40.0),
        ((("training", 40, False), ("training", 61, False)), 50.5),
        (
            (
                ("training", 30, False),
                ("started", None, False),
                ("completed", 100, True),
                ("training", 60, False),
            ),
            45.0,
        ),
    ],
)
def test_mean_progress_of_live_keys_with_known_progress(
    entries: tuple[tuple[str, int | None, bool], ...], mean: float | None
) -> None:
    assert mean == tally_of(*entries).snapshot().mean_progress


def test_mean_progress_follows_sets() -> None:
    tally = tally_of(("training", 10, False), ("training", 30, False))
    tally.set("k0", "training", progress=50)
    assert 40.0 == tally.snapshot().mean_progress
    tally.set("k1", "training")
    assert 50.0 == tally.snapshot().mean_progress
    tally.set("k0", "completed", progress=100, final=True)
    assert None is tally.snapshot().mean_progress


@pytest.mark.parametrize(
    ("earlier", "now_final", "live", "elapsed", "rate", "eta"),
    [
        (0, 0, 10, 60.0, None, None),
        (5, 0, 5, 60.0, None, None),
        (0, 3, 7, 0.0, None, None),
        (0, 3, 7, 60.0, 3.0, None),
        (0, 6, 14, 60.0, 6.0, 140.0),
        (20, 6, 10, 120.0, 3.0, 200.0),
        (2, 6, 0, 120.0, 3.0, None),
    ],
)
def test_rate_counts_only_this_runs_finishes(
    earlier: int,
    now_final: int,
    live: int,
    elapsed: float,
    rate: float | None,
    eta: float | None,
) -> None:
    clock = Clock()
    tally = Tally(clock=clock)
    for n in range(earlier):
        tally.add(f"old{n}", "completed", final=True)
    for n in range(now_final + live):
        tally.add(f"k{n}", "started")
    clock.now += elapsed
    for n in range(now_final):
        tally.set(f"k{n}", "completed", final=True)
    snapshot = tally.snapshot()
    assert (rate, eta, elapsed) == (
        snapshot.rate_per_minute,
        snapshot.eta_seconds,
        snapshot.elapsed,
    )
    assert earlier + now_final == snapshot.finished


@pytest.mark.parametrize(
    ("label", "progress", "final", "changed"),
    [
        ("training", 10, False, False),
        ("training", 11, False, True),
        ("training", None, False, True),
        ("started", 10, False, True),
        ("training", 10, True, True),
    ],
)
def test_set_says_whether_anything_changed(
    label: str, progress: int | None, final: bool, changed: bool
) -> None:
    tally = tally_of(("training", 10, False))
    assert changed is tally.set("k0", label, progress=progress, final=final)
    assert tally.set("k0", label, progress=progress, final=final) is False


@pytest.mark.parametrize("added_final", [False, True])
def test_a_final_key_stays_final(added_final: bool) -> None:
    clock = Clock()
    tally = Tally(clock=clock)
    tally.add("k0", "started")
    tally.add("k1", "error", final=added_final)
    if not added_final:
        assert tally.set("k1", "error", final=True) is True
    before = tally.snapshot()
    assert tally.set("k1", "started", progress=5) is False
    assert tally.set("k1", "completed", final=True) is False
    assert before == tally.snapshot()
    assert (("started", 1), ("error", 1)) == before.counts


def test_unknown_and_duplicate_keys() -> None:
    tally = tally_of(("started", None, False))
    with pytest.raises(KeyError, match="nope"):
        tally.set("nope", "started")
    with pytest.raises(ValueError, match="'k0' is already in the tally"):
        tally.add("k0", "pending")
    assert 1 == tally.snapshot().total


def test_fifty_thousand_keys_stay_consistent() -> None:
    rng = random.Random(7)
    labels = ["not_created", "creating", "started", "training", "odd"]
    finals = ["completed", "error", "gone"]
    clock = Clock()
    tally = Tally(clock=clock)
    truth: dict[str, tuple[str, int | None, bool]] = {}
    for n in range(50_000):
        truth[f"k{n}"] = (rng.choice(labels), None, False)
        tally.add(f"k{n}", truth[f"k{n}"][0])
    clock.now += 600
    finished_here = 0
    for _ in range(150_000):
        key = f"k{rng.randrange(50_000)}"
        final = rng.random() < 0.05
        label = rng.choice(finals if final else labels)
        progress = None if final or rng.random() < 0.3 else rng.randrange(101)
        changed = tally.set(key, label, progress=progress, final=final)
        if truth[key][2]:
            assert changed is False
            continue
        assert changed is (truth[key] != (label, progress, final))
        truth[key] = (label, progress, final)
        finished_here += final
    expected_counts: dict[str, int] = {}
    for label, _, _ in truth.values():
        expected_counts[label] = expected_counts.get(label, 0) + 1
    known = [p for _, p, final in truth.values() if not final and p is not None]
    finished = sum(final for _, _, final in truth.values())
    snapshot = tally.snapshot()
    assert expected_counts == dict(snapshot.counts)
    assert ["not_created", "creating", "odd", "started", "training"] == [
        label for label, _ in snapshot.counts[:5]
    ]
    assert ["completed", "error", "gone"] == [label for label, _ in snapshot.counts[5:]]
    assert finished == snapshot.finished
    assert sum(known) / len(known) == pytest.approx(snapshot.mean_progress)
    assert finished_here / 10 == pytest.approx(snapshot.rate_per_minute)


# The estimate of the time left


@pytest.mark.parametrize(
    ("remaining", "finished", "elapsed", "eta"),
    [
        pytest.param(193, 7, 2.0, None, id="two-seconds-in"),
        pytest.param(100, 100, 29.9, None, id="too-soon"),
        pytest.param(96, 4, 600.0, None, id="too-few-finished"),
        pytest.param(960, 40, 600.0, None, id="too-small-a-share"),
        pytest.param(90, 10, 600.0, 5400.0, id="a-tenth-in-ten-minutes"),
        pytest.param(5, 5, 30.0, 30.0, id="at-every-bound"),
        pytest.param(0, 50, 600.0, None, id="nothing-left"),
        pytest.param(1800, 200, 3600.0, 32400.0, id="a-long-job"),
    ],
)
def test_estimate_eta(
    remaining: int, finished: int, elapsed: float, eta: float | None
) -> None:
    """An ETA only once enough rows, share and time are behind the pace."""
    assert eta == estimate_eta(remaining=remaining, finished=finished, elapsed=elapsed)


def test_no_eta_early_in_a_run() -> None:
    """The tally gives no ETA two seconds into a run, however fast it went."""
    clock = Clock()
    tally = Tally(clock=clock)
    for n in range(200):
        tally.add(f"k{n}", "started")
    clock.now += 2.0
    for n in range(7):
        tally.set(f"k{n}", "error", final=True)
    early = tally.snapshot()
    clock.now += ETA_MIN_ELAPSED + 18.0
    for n in range(7, 20):
        tally.set(f"k{n}", "completed", final=True)
    later = tally.snapshot()

    assert (None, 210.0) == (early.eta_seconds, early.rate_per_minute)
    assert (450.0, 24.0) == (later.eta_seconds, later.rate_per_minute)


# Formatting


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "?"),
        (float("nan"), "?"),
        (float("inf"), "?"),
        (-5.0, "0s"),
        (0.0, "0s"),
        (44.6, "45s"),
        (59.4, "59s"),
        (59.6, "1m00s"),
        (185.0, "3m05s"),
        (3599.0, "59m59s"),
        (3600.0, "1h00m"),
        (7659.0, "2h07m"),
        (100_000.0, "27h46m"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert text == format_duration(seconds)


@pytest.mark.parametrize(
    ("snapshot", "text"),
    [
        (snap(), "0 replicas"),
        (snap(total=1, counts=(("not_created", 1),)), "1 replica: 1 not_created"),
        (
            snap(
                total=200,
                counts=(("started", 40), ("completed", 150), ("error", 10)),
                finished=160,
                mean_progress=63.4,
                rate_per_minute=12.5,
                eta_seconds=192.0,
                note="waiting",
            ),
            "200 replicas: 40 started, 150 completed, 10 error · mean progress 63%"
            " · 12.5/min",
        ),
        (
            snap(total=3, counts=(("training", 3),), mean_progress=7.0),
            "3 replicas: 3 training · mean progress 7%",
        ),
        (
            snap(total=9, counts=(("completed", 9),), rate_per_minute=0.5),
            "9 replicas: 9 completed · 30.0/h",
        ),
    ],
)
def test_summary(snapshot: Snapshot, text: str) -> None:
    """The closing line: counts, progress and rate; never an ETA or a note."""
    assert text == summary(snapshot)


@pytest.mark.parametrize(
    ("total", "text"),
    [(1, "1 row: 1 invalid"), (2, "2 rows: 2 invalid")],
)
def test_summary_counts_rows(total: int, text: str) -> None:
    """``train`` counts manifest rows, invalid ones included."""
    assert text == summary(snap(total=total, counts=(("invalid", total),)), noun="row")


# The log display


def test_log_display_writes_one_flushed_line_per_event() -> None:
    out = Flushes()
    display = LogDisplay(out, title="train m.csv", noun="row", now=lambda: NOW)
    display.event("demo-001: not_created -> creating")
    display.refresh(snap(total=200, finished=56, note="3 unconfirmed"))
    display.refresh(
        snap(total=200, counts=(("completed", 57),), finished=57, eta_seconds=9.0)
    )
    display.event("demo-017 (r1a2b3c): started -> completed")
    display.event("demo-018 (r9): started -> error", notable=True)
    display.close()
    display.close()
    lines = [
        "09:08:07 demo-001: not_created -> creating\n",
        "09:08:07 [57/200 done] demo-017 (r1a2b3c): started -> completed\n",
        "09:08:07 [57/200 done] demo-018 (r9): started -> error\n",
        "09:08:07 train m.csv: 200 rows: 57 completed\n",
    ]
    assert "".join(lines) == out.getvalue()
    assert ["".join(lines[: n + 1]) for n in range(4)] == out.flushed


# Choosing a display


@pytest.mark.usefixtures("terminal_env")
@pytest.mark.parametrize(
    ("tty", "live", "kind"),
    [
        (False, None, LogDisplay),
        (False, False, LogDisplay),
        (True, False, LogDisplay),
        (True, None, RichDisplay),
        (False, True, RichDisplay),
    ],
)
def test_open_display_with_rich(
    tty: bool,
    live: bool | None,
    kind: type[Display],
    closing: Callable[[Display], Display],
) -> None:
    out = Terminal() if tty else io.StringIO()
    display = closing(open_display(out, title="t", live=live))
    assert isinstance(display, kind)
    if kind is LogDisplay:
        assert "" == out.getvalue()


@pytest.mark.usefixtures("without_rich")
@pytest.mark.parametrize(
    ("tty", "live", "written"),
    [
        (False, None, ""),
        (True, None, ""),
        (False, True, RICH_HINT + "\n"),
        (True, True, RICH_HINT + "\n"),
        (True, False, ""),
    ],
)
def test_open_display_without_rich(tty: bool, live: bool | None, written: str) -> None:
    out = Terminal() if tty else io.StringIO()
    display = open_display(out, title="t", live=live)
    assert isinstance(display, LogDisplay)
    assert written == out.getvalue()


@pytest.mark.usefixtures("without_rich")
def test_the_module_imports_and_logs_without_rich() -> None:
    spec = importlib.util.spec_from_file_location(
        "progress_without_rich", Path(_progress.__file__)
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = io.StringIO()
    display = module.open_display(out, title="t")
    display.event("e")
    display.close()
    assert ["e", "t: 0 replicas"] == [line[9:] for line in out.getvalue().splitlines()]


# The rich display


@pytest.mark.usefixtures("terminal_env")
def test_rich_display_draws_title_counts_and_summary(
    closing: Callable[[Display], Display],
) -> None:
    out = Terminal()
    display = closing(open_display(out, title="train demo.csv"))
    display.refresh(
        snap(
            total=200,
            counts=(("training", 40), ("completed", 150), ("error", 10)),
            finished=160,
            mean_progress=63.0,
            rate_per_minute=12.5,
            eta_seconds=192.0,
            elapsed=720.0,
            note="8 unconfirmed (create sent, answer lost): looking them up now",
        )
    )
    display.close()
    text = ANSI.sub("", out.getvalue())
    frame = text[text.rindex("train demo.csv\n") :]
    assert "160/200 done" in frame
    assert re.search(r"training +completed +error", frame)
    assert re.search(r"40 +150 +10", frame)
    assert "mean progress 63% · 12.5/min · ETA 3m12s · elapsed 12m00s" in frame
    assert "8 unconfirmed (create sent, answer lost): looking them up now" in frame
    assert text.endswith(
        "train demo.csv: 200 replicas: 40 training, 150 completed, 10 error"
        " · mean progress 63% · 12.5/min\n"
    )


@pytest.mark.usefixtures("terminal_env")
def test_rich_display_close_is_idempotent(
    closing: Callable[[Display], Display],
) -> None:
    out = Terminal()
    display = closing(RichDisplay(out, title="watch"))
    display.close()
    written = out.getvalue()
    display.close()
    display.event("late", notable=True)
    assert written == out.getvalue()
    assert 1 == ANSI.sub("", written).count("watch: 0 replicas")


@pytest.mark.usefixtures("terminal_env")
def test_rich_display_prints_notable_events_and_shows_the_last_five(
    closing: Callable[[Display], Display],
) -> None:
    out = io.StringIO()
    display = RichDisplay(
        out, title="watch", now=lambda: NOW, force_terminal=True, width=100
    )
    closing(display)
    display.event("r0 failed", notable=True)
    for n in range(1, 7):
        display.event(f"r{n} moved")
    display.close()
    written = out.getvalue()
    text = ANSI.sub("", written)
    frame = text[text.rindex("watch\n") :]
    shown = [line for line in frame.splitlines() if line.startswith("09:08:07 ")]
    assert [f"09:08:07 r{n} moved" for n in range(2, 7)] == shown
    yellow = re.findall(r"\x1b\[33m([^\x1b]*)", written)
    assert ["09:08:07 r0 failed"] == yellow
