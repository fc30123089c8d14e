"""`simsynth view`: bad targets are reported like any bad input; the server binds loopback."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import simsynth.view.server
from tests.conftest import REPO, unavailable


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Record what `simsynth view` would serve instead of serving it."""
    calls: list[tuple] = []
    monkeypatch.setattr(simsynth.view.server, "serve", lambda *args: calls.append(args))
    return calls


def test_a_scenario_is_served_live_on_loopback_by_default(cli, served):
    scenario = REPO / "scenarios" / "contact_center_outage.yaml"
    result = cli("view", scenario)
    assert result.exit_code == 0, result.output
    target, host, port, _ = served[0]
    assert (target, host, port) == (scenario, "127.0.0.1", 8765)


def test_host_and_port_are_options_and_any_host_but_loopback_is_warned_about(cli, served):
    scenario = REPO / "scenarios" / "contact_center_outage.yaml"
    result = cli("view", scenario, "--host", "0.0.0.0", "--port", "9000")
    assert result.exit_code == 0
    assert served[0][1:3] == ("0.0.0.0", 9000)
    assert result.stderr.splitlines() == [
        "warning: --host 0.0.0.0 serves the page to other machines: it has no login, so anyone "
        "who can reach this machine's port 9000 sees the data"
    ]
    assert cli("view", scenario, "--host", "localhost").stderr == ""


def test_ctrl_c_stops_the_server_with_status_130():
    scenario = REPO / "scenarios" / "intersection_signal_failure.yaml"
    command = [sys.executable, "-m", "simsynth", "view", scenario, "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        ready = process.stdout.readline()  # printed once the server listens
        assert ready.startswith("simsynth view: http://127.0.0.1:"), ready
        process.send_signal(signal.SIGINT)
        assert process.wait() == 130


def test_a_bad_scenario_exits_2_with_its_error_and_serves_nothing(cli, served, write_scenario):
    path = write_scenario(
        {
            "name": "x",
            "model": "customers.contact_center",
            "duration": "2h",
            "params": {"agents": -1},
        }
    )
    result = cli("view", path)
    assert result.exit_code == 2
    assert "agents" in result.stderr and "Traceback" not in result.output
    assert served == []


def test_a_directory_that_is_not_a_dataset_exits_2(cli, served, tmp_path: Path):
    result = cli("view", tmp_path)
    assert result.exit_code == 2
    assert "not a simsynth dataset" in result.stderr
    assert served == []


def test_the_server_listens_on_loopback_only():
    """Reachable at 127.0.0.1, refused at the machine's other addresses."""
    others = [
        address for address in [outward_address()] if address and not address.startswith("127.")
    ]
    scenario = REPO / "scenarios" / "intersection_signal_failure.yaml"
    with simsynth.view.server.view_subprocess(scenario) as url:
        port = int(url.rsplit(":", 1)[1])
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        if not others:
            unavailable("this machine has no address but loopback to try the server on")
        for address in others:
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=5).close()


def outward_address() -> str | None:
    """The machine's address on its default route (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        return str(probe.getsockname()[0])
