"""The user's conditions are one line, not a traceback: a full disk (here a file-size limit,
which fails writes the same way), a read-only folder, an output path under a file, a seed
beyond the bound. Nothing partial is left behind."""

from __future__ import annotations

import errno
import resource
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from simsynth.scenario.schema import MAX_SEED
from tests.conftest import SMALL_CONTACT_CENTER


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    file = tmp_path / "scenario.yaml"
    file.write_text(yaml.safe_dump(SMALL_CONTACT_CENTER))
    return file


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "scenario.yaml")


def test_a_full_disk_is_one_line_and_leaves_nothing(scenario, tmp_path):
    def small_files_only() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write beyond the limit fails (EFBIG)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    def simsynth(*argv: object) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "simsynth", *map(str, argv)]
        return subprocess.run(
            command, preexec_fn=small_files_only, capture_output=True, text=True, check=False
        )

    done = simsynth("run", scenario, "--out", tmp_path / "out")
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.endswith("(a file grew beyond what this system allows: write elsewhere with --out)")
    assert leftovers(tmp_path) == []
    done = simsynth("sweep", scenario, "--out", tmp_path / "out", "--workers", "1")
    assert done.returncode == 1  # a failed run: kept for --resume once there is room
    assert "Traceback" not in done.stderr
    assert "rerun with --resume" in done.stderr
    assert leftovers(tmp_path) == [".out.simsynth-sweep"]


def test_a_read_only_folder_is_one_line(scenario, tmp_path, cli, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".out"))

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    result = cli("run", scenario, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / '.out'}: Read-only file system (the file system is read-only: write "
        "elsewhere with --out)"
    ]
    assert leftovers(tmp_path) == []


def test_an_output_under_a_file_is_one_line(scenario, tmp_path, cli):
    (tmp_path / "a_file").write_text("")
    result = cli("run", scenario, "--out", tmp_path / "a_file" / "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{tmp_path / 'a_file'}: File exists (a file is where a folder is needed: choose "
        "another --out)"
    ]


def test_a_seed_beyond_the_bound_is_refused_on_the_command_line(scenario, tmp_path, cli):
    for seed in (str(MAX_SEED + 1), "7" * 5000):
        result = cli("run", scenario, "--seed", seed, "--out", tmp_path / "out")
        assert result.exit_code == 2
        assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
