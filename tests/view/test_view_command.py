"""`simsynth view`: bad targets are reported like any bad input; the server binds loopback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

import simsynth.view.server
from tests.conftest import REPO


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


def test_host_and_port_are_options(cli, served):
    result = cli("view", REPO / "scenarios" / "contact_center_outage.yaml",
                 "--host", "0.0.0.0", "--port", "9000")  # fmt: skip
    assert result.exit_code == 0
    assert served[0][1:3] == ("0.0.0.0", 9000)


def test_a_bad_scenario_exits_2_with_its_error_and_serves_nothing(cli, served, write_scenario):
    path = write_scenario({"name": "x", "model": "customers.contact_center", "duration": "2h",
                           "params": {"agents": -1}})  # fmt: skip
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
            pytest.skip("this machine has no address but loopback")
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
