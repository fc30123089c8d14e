"""Serving the view app with Solara's server (uvicorn), on loopback unless told otherwise.

Solara is configured for machines without internet: production mode (its bundled front-end,
from `solara-assets`) and no telemetry; with the `viz` extra's pins nothing the page loads
comes from anywhere but the server.
"""

from __future__ import annotations

import errno
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

from simsynth.errors import SimsynthError
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
    `on_ready` gets the URL once the server listens (port 0: a free port is chosen).

    Raises:
        ListenError: the port is in use, or the address cannot be listened on.
    """
    sock = listening_socket(host, port)
    port = int(sock.getsockname()[1])
    os.environ[TARGET_VARIABLE] = str(target.resolve())
    os.environ["SOLARA_APP"] = "simsynth.view.app"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    from solara.server import settings

    settings.main.mode = "production"
    settings.telemetry.mixpanel_enable = False
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    url = f"http://{host}:{port}"
    config = uvicorn.Config(
        "solara.server.starlette:app", host=host, port=port, log_level="warning"
    )
    with sock:
        AnnouncingServer(config, lambda: on_ready(url) if on_ready else None).run([sock])


class ListenError(SimsynthError):
    """`simsynth view` cannot listen where it was asked to (the port is the user's input)."""


NEXT_PORTS = 10
"""Ports after a busy one tried for a free one to suggest."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host`:`port` (port 0: any free port) for uvicorn to serve on;
    `ListenError` saying what to try instead if it cannot be bound."""
    try:
        return _bound(host, port)
    except socket.gaierror as error:
        raise ListenError(f"simsynth view: --host {host}: {error.strerror}") from None
    except OSError as error:
        raise ListenError(_listen_problem(host, port, error)) from None


def _bound(host: str, port: int) -> socket.socket:
    """A TCP socket bound as uvicorn binds its own (OSError if it cannot be)."""
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _listen_problem(host: str, port: int, error: OSError) -> str:
    """One line on why `host`:`port` cannot be listened on, with what to try instead."""
    reason = error.strerror or str(error)
    if error.errno == errno.EACCES:
        return f"simsynth view: port {port}: {reason} (try a port above 1023, or --port 0)"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"simsynth view: --host {host} is not an address of this machine ({reason})"
    if error.errno != errno.EADDRINUSE:
        return f"simsynth view: cannot listen on {host} port {port}: {reason}"
    free = _next_free(host, port)
    other = f"try --port {free}, or --port 0" if free else "try --port 0"
    return (
        f"simsynth view: port {port} is in use (another simsynth view?): {other} for any free port"
    )


def _next_free(host: str, port: int) -> int | None:
    """The first of the `NEXT_PORTS` ports after `port` that can be bound now, if any."""
    for candidate in range(port + 1, min(port + NEXT_PORTS, 65535) + 1):
        try:
            _bound(host, candidate).close()
        except OSError:
            continue
        return candidate
    return None


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
def view_subprocess(target: Path, timeout_s: float = 600.0) -> Iterator[str]:
    """`simsynth view TARGET` in a subprocess on a free loopback port, for as long as the
    block runs; yields its URL once it answers (for tests and the gallery's screenshots).
    `timeout_s` only guards against a server that hangs: generous, so a loaded machine passes."""
    port = free_port()
    command = [sys.executable, "-m", "simsynth", "view", str(target), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
