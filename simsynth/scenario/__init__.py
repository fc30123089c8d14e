"""Scenario files: reading, validating and describing them (DESIGN §2)."""

from simsynth.scenario.load import load_scenario, load_scenario_and_warnings, scenario_json_schema
from simsynth.scenario.schema import Incident, Output, Scenario, Sweep, scenario_class

__all__ = [
    "Incident",
    "Output",
    "Scenario",
    "Sweep",
    "load_scenario",
    "load_scenario_and_warnings",
    "scenario_class",
    "scenario_json_schema",
]
