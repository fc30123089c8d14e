"""Serving the view app with Solara's server (uvicorn), on loopback unless told otherwise.

Solara is configured for machines without internet: production mode (its bundled front-end,
from `solara-assets`) and no telemetry; with the `viz` extra's pins nothing the page loads
comes from anywhere but the server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from simsynth.view.app import TARGET_VARIABLE

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port nothing listens on at `host` now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def serve(
    target: Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the view of `target` (a scenario file or a dataset directory) until interrupted;
    `on_ready` gets the URL once the server listens (port 0: a free port is chosen)."""
    os.environ[TARGET_VARIABLE] = str(target.resolve())
    os.environ["SOLARA_APP"] = "simsynth.view.app"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    from solara.server import settings

    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False
    if port == 0:
        port = free_port(host)
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    url = f"http://{host}:{port}"
    config = uvicorn.Config("solara.server.starlette:app", host=host, port=port,
                            log_level="warning")  # fmt: skip
    AnnouncingServer(config, lambda: on_ready(url) if on_ready else None).run()


class AnnouncingServer(uvicorn.Server):
    """A uvicorn server that calls `on_ready` once it listens."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]):
        super().__init__(config)
        self.on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.on_ready()


class ServerError(RuntimeError):
    """A `simsynth view` subprocess exited or did not answer."""


@contextmanager
def view_subprocess(target: Path, timeout_s: float = 90.0) -> Iterator[str]:
    """`simsynth view TARGET` in a subprocess on a free loopback port, for as long as the
    block runs; yields its URL once it answers (for tests and the gallery's screenshots)."""
    port = free_port()
    command = [sys.executable, "-m", "simsynth", "view", str(target), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    url = f"http://{DEFAULT_HOST}:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while not _answers(url):
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                raise ServerError(f"simsynth view exited {process.returncode}:\n{output}")
            if time.monotonic() > deadline:
                raise ServerError(f"simsynth view did not answer on {url} in {timeout_s} s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False
