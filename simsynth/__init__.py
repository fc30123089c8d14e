"""simsynth: labeled synthetic training data from simulations.

Scenario files declare a world and the rare events to inject; running one writes a dataset of
labeled event logs (DESIGN §3). The small Python API mirrors the command line.
"""

from importlib.metadata import PackageNotFoundError, version

from simsynth.dataset import read_events, read_manifest, read_table
from simsynth.runner import run
from simsynth.scenario import Scenario, load_scenario

try:
    __version__ = version("simsynth")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "Scenario",
    "__version__",
    "load_scenario",
    "read_events",
    "read_manifest",
    "read_table",
    "run",
]
