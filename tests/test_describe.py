"""`simsynth describe` and `list`: every cell whole at any width, piped or on a narrow
terminal; durations and rates, bounds too, in the units a scenario file writes."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from pydantic import BaseModel

from simsynth import registry
from simsynth.describe import FieldRow, field_rows, nested_models

MODELS = list(registry.entries())
WIDTHS = (60, 80, 200)


def params_classes(key: str) -> list[type[BaseModel]]:
    """Every params class `describe` lists for a model: its own, nested ones, incidents'."""
    model = registry.load(key)
    classes = [model.Params, *(spec.params for spec in model.incident_kinds.values())]
    return [nested for top in classes for nested in [top, *(c for _, c in nested_models(top))]]


def rows(key: str) -> list[FieldRow]:
    return [row for params in params_classes(key) for row in field_rows(params)]


def column_names(key: str) -> list[str]:
    model = registry.load(key)
    return [c.name for c in model.columns] + [c.name for t in model.tables.values() for c in t]


def assert_whole(output: str, key: str, width: int) -> None:
    """Every param and column name starts a line (a table row or an entry), and every type,
    default and bounds cell is there whole (wrapped at spaces at most); no line is wider."""
    lines = output.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    assert "…" not in output
    starts = {line.split()[0].removesuffix(":") for line in lines if line.strip()}
    names = [name for params in params_classes(key) for name in params.model_fields]
    missing = [name for name in names + column_names(key) if name not in starts]
    assert not missing, missing
    words = " ".join(output.split())
    cells = [cell for row in rows(key) for cell in (row.type, row.default, row.bounds) if cell]
    assert [cell for cell in cells if " ".join(cell.split()) not in words] == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("key", MODELS)
def test_describe_cuts_no_cell_at_any_width(cli, monkeypatch, key, width):
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("describe", key)
    assert result.exit_code == 0, result.output
    assert_whole(result.stdout, key, width)


def test_describe_piped_is_whole_at_80_columns():
    """Not a terminal and no COLUMNS: rich's 80 columns, every cell still whole."""
    environment = {name: value for name, value in os.environ.items() if name != "COLUMNS"}
    command = [sys.executable, "-m", "simsynth", "describe", "traffic.road_network"]
    piped = {"capture_output": True, "text": True, "stdin": subprocess.DEVNULL}
    done = subprocess.run(command, env=environment, check=True, **piped)
    assert_whole(done.stdout, "traffic.road_network", 80)


def test_a_wide_terminal_gets_tables_a_narrow_one_entries(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    wide = cli("describe", "customers.contact_center").stdout
    assert re.search(r"^ name +type +default +bounds +meaning", wide, re.MULTILINE)
    assert re.search(r"^ agents +int +12 +>= 1, <= 100000 +Agents answering calls", wide, re.M)
    monkeypatch.setenv("COLUMNS", "60")
    narrow = cli("describe", "customers.contact_center").stdout.splitlines()
    at = narrow.index("  agents: int; default 12; >= 1, <= 100000")
    assert narrow[at + 1] == "      Agents answering calls."


@pytest.mark.parametrize(
    ("key", "entry"),
    [
        ("customers.card_network", "step: duration; default 1h; >= 1h, <= 1d"),
        ("customers.card_network", "trip_length: duration; default 4d; > 0s, <= 90d"),
        ("traffic.intersection", "cycle: duration; default 1.5min; >= 10s, <= 10min"),
        ("markets.traders", "step: duration; default 1s; > 0s, <= 1min"),
        ("customers.contact_center", "patience: duration; default empty; > 0s"),
        ("customers.contact_center", "arrival_rate: rate; default 100/h; > 0/h, <= 36000000/h"),
        ("markets.order_flow", "cancel_rate: rate; default 1/min; > 0/min, <= 60000/min"),
        ("traffic.road_network", "speed_limit: number (km/h); default 54; > 0, <= 300"),
        ("traffic.road_network", "block: number (m); default 150; >= 7.5, <= 1000000"),
    ],
)
def test_bounds_are_shown_in_the_units_of_the_default(cli, monkeypatch, key, entry):
    monkeypatch.setenv("COLUMNS", "60")
    lines = [line.strip() for line in cli("describe", key).stdout.splitlines()]
    assert entry in lines


DURATION = r"\d+(\.\d+)?(s|min|h|d)"
RATE = r"\d+(\.\d+)?/(s|min|h|d)"


@pytest.mark.parametrize("key", MODELS)
def test_every_duration_and_rate_field_has_its_default_and_bounds_in_units(key):
    quantities = [row for row in rows(key) if row.type in ("duration", "rate")]
    assert quantities  # every model has some
    for row in quantities:
        number = DURATION if row.type == "duration" else RATE
        assert re.fullmatch(rf"{number}|empty", row.default), row
        for bound in filter(None, row.bounds.split(", ")):
            assert re.fullmatch(rf"[<>]=? {number}", bound), row
        if row.type == "rate" and row.default != "empty":
            unit = row.default.rsplit("/", 1)[1]
            assert all(bound.endswith(f"/{unit}") for bound in row.bounds.split(", ")), row


@pytest.mark.parametrize("width", (50, 80))
def test_list_keeps_model_keys_and_incident_kinds_whole(cli, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("list")
    assert result.exit_code == 0
    assert max(len(line.rstrip()) for line in result.stdout.splitlines()) <= width
    words = result.stdout.replace(",", " ").split()
    for key in MODELS:
        assert key in words
        assert set(registry.load(key).incident_kinds) <= set(words)
