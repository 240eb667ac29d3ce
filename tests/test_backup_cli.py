"""`python -m bot backup` given a PostgreSQL database says how to back it up with pg_dump."""

from __future__ import annotations

import pytest

from bot.__main__ import main as bot_main


@pytest.fixture(autouse=True)
def no_configured_url(monkeypatch):
    monkeypatch.delenv("MARGINALIA_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)


def test_a_postgresql_url_gets_the_exact_pg_dump_command(tmp_path, capsys):
    url = "postgresql://marginalia:s3cret@db.example:5432/marginalia"
    target = tmp_path / "nightly.dump"
    assert bot_main(["backup", str(target), "--database", url]) == 2
    captured = capsys.readouterr()
    [line] = captured.err.strip().splitlines()
    command = (
        f"pg_dump --format=custom --file={target} "
        "postgresql://marginalia@db.example:5432/marginalia"
    )
    assert command in line and "PostgreSQL database" in line and "pg_restore" in line
    assert "s3cret" not in line and not target.exists()


@pytest.mark.parametrize("setting", ["MARGINALIA_DATABASE_URL", "DATABASE_URL"])
def test_a_configured_postgresql_url_gets_it_too(tmp_path, capsys, monkeypatch, setting):
    monkeypatch.setenv(setting, "postgresql://bot@/marginalia?host=/run/postgresql")
    assert bot_main(["backup", str(tmp_path / "b.dump")]) == 2
    line = capsys.readouterr().err.strip()
    assert "pg_dump --format=custom --file=" in line
    assert "'postgresql://bot@/marginalia?host=/run/postgresql'" in line
