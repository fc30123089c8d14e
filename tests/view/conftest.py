"""Browser fixtures: Debian's chromium driven by Playwright, `simsynth view` servers on loopback.

The browser tests need `/usr/bin/chromium` (`apt-get install -y chromium`; `.ci/run` installs
it), and every test here the `viz` extra. Where either is missing they are skipped with the
reason, except under CI, where that is a failure (`tests.conftest.unavailable`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unavailable

CHROMIUM = "/usr/bin/chromium"
VIZ_EXTRA = ("solara", "ipyvuetify", "altair")


def _installed(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent package missing, or a module blocked
        return False


MISSING = [name for name in VIZ_EXTRA if not _installed(name)]
"""Packages of the `viz` extra that are not installed: the view tests cannot even be imported."""

if MISSING:
    collect_ignore = [
        path.name
        for path in Path(__file__).parent.glob("test_*.py")
        if path.name != "test_viz_extra.py"
    ]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop-sized window, wide enough for the pages' sidebars."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@contextmanager
def view_server(target: Path) -> Iterator[str]:
    """`simsynth view TARGET` on a free loopback port; yields its URL."""
    from simsynth.view.server import ServerError, view_subprocess  # needs the viz extra

    try:
        with view_subprocess(target) as url:
            yield url
    except ServerError as error:
        pytest.fail(str(error))


def pytest_configure(config: pytest.Config) -> None:
    """Keep a screenshot of every failed browser test (in test-results/, the plugin's default
    output), unless `--screenshot` says otherwise."""
    if getattr(config.option, "screenshot", None) == "off":
        config.option.screenshot = "only-on-failure"
