"""Configuration is read from the environment once, by the front end, and passed in."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainscreen.config import Config
from chainscreen.reference import load_reference


def test_from_env_reads_the_three_variables(tmp_path: Path) -> None:
    cfg = Config.from_env({"CHAINSCREEN_DATA_DIR": str(tmp_path), "CHAINSCREEN_DB": "postgresql://x/y",
                           "CHAINSCREEN_REFERENCE_DIR": str(tmp_path / "ref")})
    assert cfg.data_dir == tmp_path and cfg.lists_dir == tmp_path / "lists"
    assert cfg.store_url == "postgresql://x/y" and cfg.reference_dir == tmp_path / "ref"
    bare = Config.from_env({"CHAINSCREEN_DATA_DIR": str(tmp_path)})
    assert bare.store_url == f"sqlite:///{tmp_path / 'runs.sqlite'}" and bare.reference_dir is None


def test_the_library_ignores_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINSCREEN_REFERENCE_DIR", str(tmp_path / "no-such-folder"))
    monkeypatch.setenv("CHAINSCREEN_DATA_DIR", str(tmp_path / "elsewhere"))
    assert "elsewhere" not in str(Config.default().data_dir)
    # would raise for a missing folder if the environment were read here
    assert "uflpa-entity-list" in load_reference().catalogue


def test_the_command_line_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from chainscreen.cli import cli

    monkeypatch.setenv("CHAINSCREEN_REFERENCE_DIR", str(tmp_path / "no-such-folder"))
    res = CliRunner().invoke(cli, ["check", "Acme Plastics GmbH", "--country", "DE"])
    assert res.exit_code == 1 and "no-such-folder" in res.output
