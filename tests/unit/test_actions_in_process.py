"""The custom actions in the Rasa server's process, `bot serve`'s default since stop 30 (#21):
the supervisor starts no action server unless asked (`--action-server`,
BALAGH_ACTIONS=server), and the cluster with `--action-servers 0` (its default) does the same
on every Rasa server."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from bot.runtime import cluster, rasa_server, serve, settings


def names(parts: list[serve.Part]) -> list[str]:
    return [part.name for part in parts]


def test_by_default_no_action_server_is_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(settings.ACTIONS_MODE_ENV, raising=False)
    for argv in ([], ["--actions-in-process"]):
        args = serve.parse_args(argv)
        assert args.actions_in_process
        started = names(serve.build_parts(args, "token", tmp_path / "endpoints.yml"))
        assert "action server" not in started and "Rasa server" in started
    args = serve.parse_args(["--action-server"])
    assert args.actions_in_process is False
    assert names(serve.build_parts(args, "token", tmp_path / "endpoints.yml"))[0] == \
        "action server"


def test_the_environment_chooses_where_it_applies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(settings.ACTIONS_MODE_ENV, settings.IN_PROCESS)
    assert serve.parse_args([]).actions_in_process
    # the nodes of a cluster that have their action server elsewhere, or are one
    assert not serve.parse_args(["--actions-url", "http://10.0.0.7:5055"]).actions_in_process
    assert not serve.parse_args(["--no-rasa"]).actions_in_process
    monkeypatch.setenv(settings.ACTIONS_MODE_ENV, " Server ")
    assert not serve.parse_args([]).actions_in_process
    assert serve.parse_args(["--actions-in-process"]).actions_in_process  # the option wins


def test_an_unknown_mode_stops_the_start_with_what_to_write(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(settings.ACTIONS_MODE_ENV, "remote")
    with pytest.raises(SystemExit):
        serve.parse_args([])
    error = capsys.readouterr().err
    assert "BALAGH_ACTIONS='remote'" in error and "in-process" in error and "server" in error


@pytest.mark.parametrize("other", [["--no-rasa"], ["--actions-url", "http://10.0.0.7:5055"]])
def test_asked_for_with_no_rasa_server_or_another_action_server_it_is_refused(
    other: list[str], tmp_path: Path
) -> None:
    args = serve.parse_args(["--actions-in-process", *other])
    with pytest.raises(serve.StartError, match="--actions-in-process runs the actions inside"):
        serve.preflight(args)


def test_rasa_is_given_an_endpoint_that_leads_nowhere(tmp_path: Path) -> None:
    """RemoteAction needs an action endpoint; in process its calls never go out, and one
    that did would fail on the reserved .invalid name instead of reaching a server."""
    written = serve.write_endpoints(serve.IN_PROCESS_URL, tmp_path / "endpoints.yml")
    endpoint = yaml.safe_load(written.read_text())["action_endpoint"]
    assert endpoint["url"] == "http://in-process.invalid/webhook"


def test_the_rasa_server_runs_the_actions_when_its_endpoint_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The endpoints file decides, not BALAGH_ACTIONS: a Rasa server pointed at a real
    action server calls it whatever the environment says."""
    monkeypatch.delenv("BALAGH_RASA_TUNING", raising=False)
    monkeypatch.setenv(settings.ACTIONS_MODE_ENV, settings.IN_PROCESS)
    remote = serve.write_endpoints(5055, tmp_path / "remote.yml")
    local = serve.write_endpoints(serve.IN_PROCESS_URL, tmp_path / "local.yml")
    assert "inprocess" not in rasa_server.tuning_names(["run", "--endpoints", str(remote)])
    assert rasa_server.tuning_names(["run", "--endpoints", str(local)])[-1] == "inprocess"
    assert rasa_server.tuning_names(["run", f"--endpoints={local}"])[-1] == "inprocess"
    assert "inprocess" not in rasa_server.tuning_names(["run", "--endpoints", "missing.yml"])
    assert "inprocess" not in rasa_server.tuning_names(["train", "--endpoints", str(local)])
    monkeypatch.setenv("BALAGH_RASA_TUNING", "none")
    assert rasa_server.tuning_names(["run", "--endpoints", str(local)]) == ["inprocess"]


def test_a_cluster_without_action_servers_runs_them_in_each_rasa_server(tmp_path: Path) -> None:
    args = argparse.Namespace(model=tmp_path / "m.tar.gz", rasa_servers=2, action_servers=0,
                              rasa_port=6105, actions_port=6155)
    actions, rasa = cluster.node_parts(args)
    assert actions == []
    for part in rasa:
        assert "--actions-in-process" in part.command
        assert "--actions-url" not in part.command
    args.action_servers = 1
    actions, rasa = cluster.node_parts(args)
    assert len(actions) == 1
    assert all("--actions-url" in part.command for part in rasa)
