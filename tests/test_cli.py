"""The command line's non-run commands and the run summary."""

from __future__ import annotations

import json

import jsonschema
import yaml

import simsynth
from tests.conftest import SCENARIOS, SMALL_CONTACT_CENTER


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == f"simsynth {simsynth.__version__}"


def test_list_shows_models_and_incident_kinds(cli):
    result = cli("list")
    assert result.exit_code == 0
    assert "customers.contact_center" in result.stdout
    assert "outage" in result.stdout and "call_surge" in result.stdout


def test_describe_shows_params_incidents_and_columns(cli):
    result = cli("describe", "customers.contact_center")
    assert result.exit_code == 0
    for text in (
        "agents",
        "arrival_rate",
        "patience",
        "share",
        "multiplier",
        "wait_s",
        "queue_len",
        "label_kind",
        "labels:",
        "call_abandoned",
    ):
        assert text in result.stdout, text


def test_describe_shows_every_choice_of_nested_params_and_emergent_kinds(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("describe", "traffic.road_network")
    assert result.exit_code == 0
    text = result.output
    assert "one of ring|grid|corridor|file" in text and "kind: grid (see below)" in text
    for kind, name in (("ring", "RingRoad"), ("grid", "GridCity"), ("file", "GraphFile")):
        assert f"network with kind: {kind} ({name})" in text
    assert "demand (Demand)" in text
    assert "emergent episodes near_miss" in text and "table trajectories/" in text


def test_describe_unknown_model_is_bad_input(cli):
    result = cli("describe", "customers.contact_centre")
    assert result.exit_code == 2
    assert "did you mean 'customers.contact_center'?" in result.stderr


def test_schema_validates_shipped_scenarios_and_rejects_typos(cli):
    result = cli("schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    validator = jsonschema.Draft202012Validator(schema)
    for path in SCENARIOS:
        # as an editor sees the file: YAML dates become ISO strings
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=_iso))
        assert not list(validator.iter_errors(data)), path
    typo = {**SMALL_CONTACT_CENTER, "params": {"agnets": 3}}
    assert list(validator.iter_errors(typo))


def _iso(value: object) -> str:
    return value.isoformat()  # type: ignore[attr-defined]


def test_run_prints_where_the_dataset_is(cli, write_scenario, tmp_path):
    out = tmp_path / "out"
    result = cli("run", write_scenario(), "--out", out)
    assert result.exit_code == 0, result.output
    assert f"dataset: {out}" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert f"events {manifest['counts']['events']:,}" in result.stdout


def test_run_quiet_prints_nothing_and_seed_option_applies(cli, write_scenario, tmp_path):
    result = cli("run", write_scenario(), "--out", tmp_path / "out", "--quiet", "--seed", "42")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["seed"] == 42


def test_run_into_existing_directory_needs_overwrite(cli, write_scenario, tmp_path):
    (tmp_path / "out").mkdir()
    result = cli("run", write_scenario(), "--out", tmp_path / "out", "--quiet")
    assert result.exit_code == 2
    assert "already exists (pass --overwrite" in result.stderr
    result = cli("run", write_scenario(), "--out", tmp_path / "out", "--quiet", "--overwrite")
    assert result.exit_code == 0
