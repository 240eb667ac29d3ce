"""The benches still run: a tiny skewed database, every series, one table.

Figures are not judged here (the machine is shared); what is checked is that the bench
drives the real bot through every command it measures and reports each target.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bench import dataset, pages
from bench.measure import Series, percentile, proc_status_mb, sample_runs
from bot.storage.database import load_migrations


def test_memory_comes_from_proc_status() -> None:
    figures = proc_status_mb()
    assert 0 < figures["VmRSS"] <= figures["VmHWM"]


def test_percentile_is_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 2_001)]
    assert percentile(samples, 0.99) == 1_980.0
    assert percentile([5.0], 0.99) == 5.0


async def test_runs_split_the_samples_and_a_budget_cuts_them_short() -> None:
    async def quick(index: int) -> float:
        return float(index)

    series = await sample_runs("quick", quick, runs=3, samples=2_000)
    assert [len(run) for run in series.runs] == [667, 667, 667]
    assert not series.budget_hit
    cut = await sample_runs("cut", quick, runs=3, samples=2_000, budget_s=0.0, minimum=2)
    assert [len(run) for run in cut.runs] == [2, 2, 2]
    assert cut.budget_hit
    assert "overall: n 6" in Series("x", cut.runs).lines()[-1]


def test_the_skewed_database_has_the_issues_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARGINALIA_BENCH_CACHE", str(tmp_path / "cache"))
    path, shape = dataset.prepared(dataset.SIZES["tiny"], tmp_path, lambda line: None)
    conn = sqlite3.connect(path)
    try:
        (comments,) = conn.execute("SELECT COUNT(*) FROM comments").fetchone()
        (servers,) = conn.execute("SELECT COUNT(DISTINCT guild_id) FROM excerpts").fetchone()
        (hottest,) = conn.execute(
            "SELECT COUNT(*) FROM comments GROUP BY excerpt_id ORDER BY 1 DESC LIMIT 1"
        ).fetchone()
        (version,) = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    finally:
        conn.close()
    assert comments == 5_000
    assert servers == dataset.SERVERS
    assert hottest > 10 * dataset.ORDINARY_MEAN  # a hot excerpt
    assert shape.guild_excerpts > 50  # the biggest server
    assert version == len(load_migrations())  # every later migration applied


def test_the_pages_bench_runs_every_series(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARGINALIA_BENCH_CACHE", str(tmp_path / "cache"))
    lines: list[str] = []
    rows = pages.run(
        lines.append,
        argv=["--size", "tiny", "--runs", "1", "--samples", "3", "--contended", "1"],
    )
    names = {row.name for row in rows}
    assert "/comment list, a later page (Next)" in names
    assert "quiet comment waited behind /excerpt list" in names
    assert "/comment add overhead above the floor" in names
    assert "VmHWM at ready" in names
    assert all("nan" not in row.figure for row in rows), lines


def test_the_cluster_bench_puts_both_backends_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_server: Any
) -> None:
    if postgres_server is None:
        pytest.skip("PostgreSQL unavailable")
    from bench import cluster

    monkeypatch.setenv("MARGINALIA_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cluster, "SERVERS", 2_000)
    monkeypatch.setattr(cluster, "DUE", 20)
    monkeypatch.setattr(cluster, "TICKS", 2)
    monkeypatch.setattr(cluster, "WARM_UP", 2)
    lines: list[str] = []
    argv = ["--size", "tiny", "--samples", "3", "--inserts", "16"]
    cluster.run(lines.append, argv=[*argv, "--postgres", postgres_server.admin_url])
    table = "\n".join(lines[-8:])
    assert "SQLite" in lines[-8] and "PostgreSQL" in lines[-8]
    for name in ("P1 /comment add", "P2 store inserts", "scheduler tick", "start-up to ready"):
        row = next(line for line in lines if line.startswith(name))
        assert row.count(" ms") + row.count("x (") + row.count(" s ") >= 2, table
    assert "copied" in "\n".join(lines) and "verified" in "\n".join(lines)
