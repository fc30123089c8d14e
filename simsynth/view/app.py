"""The Solara app `simsynth view` serves; its target is in `$SIMSYNTH_VIEW_TARGET`."""

from __future__ import annotations

import os
from pathlib import Path

import solara

from simsynth.view.pages import page_for

TARGET_VARIABLE = "SIMSYNTH_VIEW_TARGET"


@solara.component
def Page() -> None:
    page_for(Path(os.environ[TARGET_VARIABLE]))
