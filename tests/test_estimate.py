"""`validate` and `run` say how big a run will be, and warn (never fail) before a huge one."""

from __future__ import annotations

import shutil
from collections import namedtuple

from tests.conftest import SMALL_CONTACT_CENTER

HUGE_CARD_NETWORK = {
    "name": "ten-years",
    "model": "customers.card_network",
    "seed": 1,
    "duration": "3650d",
    "params": {"card_holders": 100_000},
}


def test_validate_shows_the_expected_size_and_warns_of_a_huge_run(write_scenario, cli):
    """10 years of 100,000 holders paying about twice a day (the default segments)."""
    result = cli("validate", write_scenario(HUGE_CARD_NETWORK))
    assert result.exit_code == 0, "a warning, not an error"
    (ok,) = result.stdout.splitlines()
    assert ok.endswith("ok (customers.card_network, 0 incidents; ≈ 712M events, 13.2 GB, 10 min)")
    (warning,) = result.stderr.splitlines()
    assert "warning: this run would write ≈ 712M events, 13.2 GB" in warning


def test_a_small_run_gets_its_size_and_no_warning(write_scenario, cli):
    result = cli("validate", write_scenario())
    assert result.exit_code == 0 and result.stderr == ""
    assert "2 incidents; ≈ " in result.stdout and "< 1 min" in result.stdout


def test_a_sweep_shows_the_size_of_all_its_runs(write_scenario, cli):
    swept = {**SMALL_CONTACT_CENTER, "sweep": {"runs": 4, "grid": {"params.agents": [3, 4, 5]}}}
    result = cli("validate", write_scenario(swept))
    assert "; 12 runs ≈ " in result.stdout


def test_run_warns_when_the_disk_cannot_hold_the_dataset(
    write_scenario, cli, monkeypatch, tmp_path
):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 1000, 1000))
    result = cli("run", write_scenario(), "--out", tmp_path / "out")
    assert result.exit_code == 0
    assert "warning: this run would write about " in result.stderr
    assert "but 1 kB is free where" in result.stderr
