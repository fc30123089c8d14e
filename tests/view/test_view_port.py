"""`simsynth view` where it cannot listen: a busy port or a foreign address is bad input."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import simsynth.view.server as server
from tests.conftest import REPO

SCENARIO = REPO / "scenarios" / "contact_center_outage.yaml"
SERVER_VARIABLES = ("SOLARA_APP", "SOLARA_TELEMETRY_MIXPANEL_ENABLE", "SERVER_NAME", "SERVER_PORT")


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another server (a socket here) listens on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


def test_a_busy_port_exits_2_with_one_line_suggesting_a_free_port(cli, busy_port):
    result = cli("view", SCENARIO, "--port", busy_port)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    pattern = (
        rf"simsynth view: port {busy_port} is in use \(another simsynth view\?\): "
        r"try --port (\d+), or --port 0 for any free port"
    )
    match = re.fullmatch(pattern, line)
    assert match, line
    suggested = int(match[1])
    assert busy_port < suggested <= busy_port + server.NEXT_PORTS
    assert "Traceback" not in result.output and result.stdout == ""


def test_with_no_free_port_nearby_only_port_0_is_suggested(cli, busy_port, monkeypatch):
    monkeypatch.setattr(server, "NEXT_PORTS", 0)
    result = cli("view", SCENARIO, "--port", busy_port)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"simsynth view: port {busy_port} is in use (another simsynth view?): "
        "try --port 0 for any free port"
    ]


def test_an_address_of_another_machine_exits_2(cli):
    result = cli("view", SCENARIO, "--host", "192.0.2.1", "--port", "0")  # TEST-NET-1
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(
        "simsynth view: --host 192.0.2.1 is not an address of this machine ("
    )


def test_the_server_serves_on_the_socket_it_bound_and_announces_its_port(monkeypatch):
    """Port 0 binds a free port once: the URL announced is that socket's, with no race."""
    for name in (*SERVER_VARIABLES, server.TARGET_VARIABLE):
        monkeypatch.delenv(name, raising=False)  # what serve sets is undone after the test
    served: list[int] = []

    def run(self: server.AnnouncingServer, sockets: list[socket.socket]) -> None:
        served.append(int(sockets[0].getsockname()[1]))
        self.on_ready()

    monkeypatch.setattr(server.AnnouncingServer, "run", run)
    urls: list[str] = []
    server.serve(Path(SCENARIO), "127.0.0.1", 0, urls.append)
    assert served[0] > 0 and urls == [f"http://127.0.0.1:{served[0]}"]
