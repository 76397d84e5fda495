"""`chainscreen explain`: the derivation printed reproduces the recorded score."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from chainscreen.cli import cli
from chainscreen.pipeline import screen
from chainscreen.report.render import write_json


def _results(tmp_path: Path) -> Path:
    frame = pd.DataFrame({  # synthetic rows
        "Supplier": ["Lakeside Spinning", "Nordic Office Paper AB"],
        "Country": ["CN", "SE"],
        "Product": ["cotton yarn", "copy paper"],
    })
    path = tmp_path / "r.json"
    write_json(screen(frame), path)
    return path


def test_explain_prints_a_derivation_that_reproduces_the_score(tmp_path: Path) -> None:
    path = _results(tmp_path)
    row = json.loads(path.read_text())["rows"][0]
    out = CliRunner().invoke(cli, ["explain", str(path), "1"])
    assert out.exit_code == 0, out.output
    m = re.search(r"score = 100 × \(1 − ([0-9.]+)\) = ([0-9.]+)", out.stdout)
    assert m and float(m.group(2)) == row["score"]
    for e in row["evidence"]:
        assert f"{e['list_id']} @ {e['edition']}" in out.stdout


def test_explain_unknown_row_and_bad_file(tmp_path: Path) -> None:
    path = _results(tmp_path)
    out = CliRunner().invoke(cli, ["explain", str(path), "99"])
    assert out.exit_code == 1 and "no row 99" in out.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    out = CliRunner().invoke(cli, ["explain", str(bad), "1"])
    assert out.exit_code == 1 and "not a chainscreen JSON result file" in out.stderr
