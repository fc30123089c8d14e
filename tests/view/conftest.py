"""Browser fixtures: Debian's chromium driven by Playwright, `simsynth view` servers on loopback.

The browser tests need `/usr/bin/chromium` (`apt-get install -y chromium`; `.ci/run` installs
it). Where it is missing they are skipped, except under CI, where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from simsynth.view.server import ServerError, view_subprocess

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop-sized window, wide enough for the pages' sidebars."""
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@contextmanager
def view_server(target: Path) -> Iterator[str]:
    """`simsynth view TARGET` on a free loopback port; yields its URL."""
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
