"""Browser views of runs (Solara): `simsynth view SCENARIO.yaml` runs a scenario live,
`simsynth view DATASET_DIR` replays a finished one.

Both pages draw the same panels from a `RunSource` (what a run has recorded up to a time): the
generic timeline, episode list and events table, and the panels of the run's model, which a
model names in `SimModel.views` ("module:function" returning `Panel`s).
"""

import warnings

# Mesa 3.3's SolaraViz trips solara's hook linter on import (a `use_state` after an early
# return in mesa's own ComponentsView); it is harmless there and not ours to fix.
warnings.filterwarnings(
    "ignore", message=r".*ComponentsView: `use_state` found", category=UserWarning
)
# Solara's server warns on every page load over plain http that it falls back to a
# samesite=lax cookie, which is what a loopback page wants.
warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
