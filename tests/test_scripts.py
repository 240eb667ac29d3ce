"""scripts/run.sh and scripts/_venv.sh as a newcomer meets them.

run.sh installs only when pyproject.toml changed (a stamp in .venv), quietly; it runs the
bot from the caller's folder so the paths they type are theirs, while .env and the default
database are still found from the project.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, marginalia_database

RUN_SH = ROOT / "scripts" / "run.sh"


# --- install only when pyproject.toml changed ---------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder whose .venv/bin/python is real Python, except that `-m pip` only
    records the call, so the test sees exactly when ensure_venv would install."""
    folder = tmp_path / "project"
    (folder / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    python = folder / ".venv" / "bin" / "python"
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "$*" >> "$PIP_LOG"; exit 0; fi\n'
        f'exec {sys.executable} "$@"\n'
    )
    python.chmod(0o755)
    return folder


def ensure_venv(project: Path, extras: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f'source {ROOT / "scripts" / "_venv.sh"} && ensure_venv "{extras}"'],
        cwd=project,
        env={**os.environ, "PIP_LOG": str(project / "pip.log")},
        capture_output=True,
        text=True,
        timeout=60,
    )


def installs(project: Path) -> list[str]:
    log = project / "pip.log"
    return log.read_text().splitlines() if log.exists() else []


def test_pip_runs_only_when_pyproject_or_the_extras_change(project: Path) -> None:
    for _ in range(3):
        done = ensure_venv(project, "")
        assert done.returncode == 0 and done.stdout == "" and done.stderr == "", done
    assert len(installs(project)) == 1 and installs(project)[0].endswith("-e .")

    ensure_venv(project, "[test]")  # more extras: one install
    ensure_venv(project, "[test]")
    ensure_venv(project, "")  # fewer: already there
    assert installs(project)[-1].endswith("-e .[test]")
    assert len(installs(project)) == 2

    with (project / "pyproject.toml").open("a") as file:
        file.write("\n# a new dependency would go here\n")
    ensure_venv(project, "")
    ensure_venv(project, "")
    assert len(installs(project)) == 3
    assert all("--quiet" in line for line in installs(project))


def test_a_missing_venv_is_made_and_installed(project: Path) -> None:
    """CI deletes .venv and runs test.sh: the stamp goes with it, so all is installed anew."""
    stamp = project / ".venv" / ".marginalia-installed"
    ensure_venv(project, "[test]")
    assert stamp.exists()
    stamp.unlink()  # what a fresh .venv looks like to the stamp
    ensure_venv(project, "[test]")
    assert len(installs(project)) == 2


def test_run_sh_installs_the_postgres_extra_when_env_names_a_postgresql_url(
    project: Path,
) -> None:
    scripts = project / "scripts"
    scripts.mkdir()
    for name in ("run.sh", "_venv.sh"):
        shutil.copy(ROOT / "scripts" / name, scripts / name)
    python = project / ".venv" / "bin" / "python"
    python.write_text(  # records pip; "starting the bot" does nothing
        '#!/bin/sh\nif [ "$2" = "pip" ]; then echo "$*" >> "$PIP_LOG"; fi\nexit 0\n'
    )
    (project / ".env").write_text(
        "DISCORD_TOKEN=x\nMARGINALIA_DATABASE_URL='postgresql://bot@db/marginalia'\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    done = subprocess.run(
        ["bash", str(scripts / "run.sh")],
        cwd=project,
        env={**clean, "PIP_LOG": str(project / "pip.log")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done
    assert installs(project)[-1].endswith("-e .[postgres]")


@pytest.mark.slow
def test_a_fresh_editable_install_prints_no_warning_block(tmp_path: Path) -> None:
    """The ten-line setuptools 'Editable installation' block is gone (a real pip install
    into a new virtual environment; the pip cache makes it offline)."""
    copy = tmp_path / "marginalia"
    files = subprocess.run(
        ["git", "ls-files", "pyproject.toml", "README.md", "bot", "cogs", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, copy / name)
    subprocess.run([sys.executable, "-m", "venv", tmp_path / "venv"], check=True)
    done = subprocess.run(
        [
            tmp_path / "venv" / "bin" / "python",
            *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--no-deps", "-e", str(copy)),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr + done.stdout, done.stderr


# --- paths are the caller's ----------------------------------------------------------


needs_project_venv = pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "python").exists(),
    reason="run.sh would build the project's .venv from scratch (scripts/test.sh makes it)",
)


def run_sh(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(RUN_SH), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A user's folder outside the project, with the bot's database one level up."""
    asyncio.run(marginalia_database(tmp_path / "x.db"))
    folder = tmp_path / "here"
    folder.mkdir()
    return folder


@needs_project_venv
def test_run_sh_export_paths_are_relative_to_the_caller(workspace: Path) -> None:
    args = ("export", "--excerpt", "1", "--database", "../x.db", "-o", "keeper.docx")
    done = run_sh(*args, cwd=workspace)
    assert done.returncode == 0, done.stderr
    assert (workspace / "keeper.docx").read_bytes().startswith(b"PK")
    assert not (ROOT / "keeper.docx").exists()


@needs_project_venv
def test_run_sh_backup_makes_its_folder_where_the_caller_is(workspace: Path) -> None:
    done = run_sh("backup", "backups/marginalia.db", "--database", "../x.db", cwd=workspace)
    assert done.returncode == 0, done.stderr
    assert (workspace / "backups" / "marginalia.db").is_file()
    assert "integrity check ok" in done.stdout


@needs_project_venv
def test_run_sh_finds_env_and_the_default_database_from_the_project(workspace: Path) -> None:
    """No --database: the configured database (.env, else data/marginalia.db) is the
    project's, not one in the caller's folder (the refusal names the project's path)."""
    done = subprocess.run(
        ["bash", str(RUN_SH), "export", "--excerpt", "1", "-o", "-"],
        cwd=workspace,
        env={**os.environ, "MARGINALIA_DATABASE": "data/nowhere-h2.db"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2
    assert str(ROOT / "data" / "nowhere-h2.db") in done.stderr
    assert not (workspace / "data").exists()
