"""The view tests need the `viz` extra; without it they are not collected, and this says why."""

from __future__ import annotations

from tests.conftest import unavailable
from tests.view.conftest import MISSING


def test_the_viz_extra_is_installed():
    if MISSING:
        missing = ", ".join(MISSING)
        unavailable(
            f"the view tests need the viz extra ({missing} missing): pip install -e '.[viz]'"
        )
