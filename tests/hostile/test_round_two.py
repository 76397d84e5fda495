"""Second round of hostile input: one test per defect B1-B26 (each failed before its fix).

Every file here is SYNTHETIC and built by the test. Calls that could hang or eat memory before
their fix run in a forked child with a time limit and a memory cap (see ``bounded.py``), so a
regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from bounded import GIB, run_bounded
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainscreen.cli import cli
from chainscreen.errors import InputError
from chainscreen.review import Decision, dump_decisions, latest, parse_decisions, read_decisions


def invoke(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    """Run the CLI; an unexpected exception fails the test (Click would hide it)."""
    result = CliRunner().invoke(cli, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def one_error_line(err: str) -> str:
    """The single 'error: ...' line the CLI prints for bad input (never an internal error)."""
    assert "internal error" not in err and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def decision(**kw: str) -> Decision:
    values = dict(party="acme", country="CN", list_id="uflpa-entity-list", record_id="rec-1",
                  status="dismiss", note="", by="ana", at="2026-01-05T10:00:00+00:00",
                  record_hash="a" * 64, row_hash="b" * 64, record_name="Acme Co., Ltd.",
                  supplier="ACME CO LTD")
    values.update(kw)
    return Decision(**values)


# --- B13: YAML alias bomb in `review --import` -------------------------------------------------

def alias_bomb(depth: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, depth):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("decisions:")
    lines.append(f"- {{party: acme, list_id: l, record_id: r, status: dismiss, by: ana, "
                 f"at: '2026-01-05', record_hash: h, row_hash: h, note: *a{depth - 1}}}")
    return "\n".join(lines) + "\n"


def test_b13_yaml_alias_bomb_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    path.write_text(alias_bomb())
    assert len(path.read_bytes()) < 2048
    outcome = run_bounded(read_decisions, path, seconds=20, memory=GIB)
    assert outcome.status == "raised", outcome
    assert outcome.error.startswith("InputError") and "alias" in outcome.error, outcome.error
    assert outcome.seconds < 10


def test_b13_deeply_nested_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "decisions.yaml"
    path.write_text("decisions: " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _out, err = invoke("review", "--import", str(path), "--db",
                             f"sqlite:///{tmp_path / 'r.sqlite'}")
    assert code == 1 and "nested more than" in one_error_line(err)


# --- B14/B26: notes over the csv module's field limit ------------------------------------------

@pytest.mark.parametrize("size", [200_000, 1_200_000])
def test_b14_b26_long_notes_round_trip_through_csv(tmp_path: Path, size: int) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    from chainscreen.store import open_store

    note = ("checked against the registry; " * (size // 30 + 1))[:size]
    with open_store(db) as store:
        store.add_decisions([decision(note=note)])
    out = tmp_path / "d.csv"
    code, _o, err = invoke("review", "--export", str(out), "--db", db)
    assert code == 0, err
    code, stdout, err = invoke("review", "--import", str(out), "--db", db)
    assert code == 0, err
    assert "imported 0 new decision(s)" in stdout
    assert read_decisions(out)[0].note == note


# --- B15: `at` must be a time, and times compare as times ---------------------------------------

def test_b15_at_must_be_an_iso_time() -> None:
    text = dump_decisions([decision(at="pending review")], "csv")
    with pytest.raises(InputError, match=r"row 2, column 'at'.*not an ISO 8601 time"):
        parse_decisions(text, "csv", source="d.csv")


def test_b15_decision_in_force_is_the_latest_instant() -> None:
    early = decision(status="confirm", at="2026-01-05T12:00:00+05:00")  # 07:00 UTC
    later = decision(status="dismiss", at="2026-01-05T09:00:00+00:00")  # 09:00 UTC
    assert latest([later, early])[early.key] is later
    assert latest([early, later])[early.key] is later
    # a time stored before times were checked never outranks a real one
    legacy = decision(status="escalate", at="pending review")
    assert latest([later, legacy])[later.key] is later


# --- B16: export -> import is the identity --------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
NONEMPTY = TEXT.filter(bool)
NASTY_NOTES = st.sampled_from(["'=1+1", "''=SUM(A1)", "=HYPERLINK(\"x\")", "line 1\r\nline 2",
                               "cr\ronly", "tab\tinside", "'quoted'", "-5", "@user", "\u2028",
                               "\x85next", " lead and trail ", "null", "true", "2026-01-05",
                               "a: b", "# not a comment", "\"", "''", "\ufeffbom"])
TIMES = st.builds(
    lambda dt, minutes: dt.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(
        timespec="seconds"),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(-14 * 60, 14 * 60))
DECISIONS = st.builds(
    Decision, party=NONEMPTY, country=st.sampled_from(["", "CN", "VN"]),
    list_id=NONEMPTY.map(lambda s: s[:100]), record_id=NONEMPTY.map(lambda s: s[:100]),
    status=st.sampled_from(["confirm", "dismiss", "escalate"]), note=st.one_of(TEXT, NASTY_NOTES),
    by=st.one_of(NONEMPTY, NASTY_NOTES), at=TIMES, record_hash=st.sampled_from(["a" * 64, "'=x"]),
    row_hash=st.sampled_from(["b" * 64, "@h"]), record_name=st.one_of(TEXT, NASTY_NOTES),
    supplier=st.one_of(TEXT, NASTY_NOTES))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(decisions=st.lists(DECISIONS, max_size=6), fmt=st.sampled_from(["csv", "yaml"]))
def test_b16_export_import_round_trip_is_the_identity(tmp_path: Path, decisions: list[Decision],
                                                      fmt: str) -> None:
    from chainscreen.review import write_decisions

    path = write_decisions(decisions, tmp_path / f"d.{fmt}")
    back = read_decisions(path)
    assert sorted(back, key=repr) == sorted(decisions, key=repr)
    assert dump_decisions(back, fmt) == dump_decisions(decisions, fmt)


def test_b16_reimporting_an_unchanged_export_adds_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    from chainscreen.store import open_store

    mine = [decision(note="'=kept with its apostrophe", at="2026-01-05T10:00:00+00:00"),
            decision(record_id="rec-2", note="first line\r\nsecond line",
                     at="2026-01-06T10:00:00+00:00")]
    with open_store(db) as store:
        store.add_decisions(mine)
    for suffix in ("csv", "yaml"):
        out = tmp_path / f"d.{suffix}"
        assert invoke("review", "--export", str(out), "--db", db)[0] == 0
        code, stdout, err = invoke("review", "--import", str(out), "--db", db)
        assert code == 0 and "imported 0 new decision(s)" in stdout, err
    with open_store(db) as store:
        assert sorted(store.decisions(), key=repr) == sorted(mine, key=repr)


# --- B17: `review --export` does not overwrite without --force ---------------------------------

def test_b17_export_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    precious = tmp_path / "precious.csv"
    precious.write_text("my own data\n")
    code, _o, err = invoke("review", "--export", str(precious), "--db", db)
    assert code == 1 and "already exists; use --force" in one_error_line(err)
    assert precious.read_text() == "my own data\n"
    code, _o, err = invoke("review", "--export", str(precious), "--db", db, "--force")
    assert code == 0, err
    assert precious.read_text().startswith("party,country,")


# --- B23: an incomplete run is named as such ------------------------------------------------------

def test_b23_incomplete_run_is_not_compared_or_reviewed_as_empty(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    src = tmp_path / "lines.csv"
    src.write_text("Supplier,Country,Description\nAcme Textile Co,CN,cotton yarn\n")
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "o"), "--format", "json",
                           "--db", db, "-q")
    assert code == 0, err
    from chainscreen.store import open_store

    with open_store(db) as store:
        killed = store.start_run(src)  # as a SIGKILL leaves it: started, never finished
    for args in (["runs", "diff", "1", str(killed.id)], ["runs", "diff", str(killed.id), "1"],
                 ["review", str(killed.id)]):
        code, out, err = invoke(*args, "--db", db)
        assert code == 1, out
        line = one_error_line(err)
        assert "incomplete" in line and "did not finish" in line and "rescreen" in line
        assert "no longer used" not in out and "0 open of 0" not in out


# --- B20: every setting's type and range is checked, one line per error --------------------------

@pytest.mark.parametrize(("text", "message"), [
    ('cut_high = "70"\n', "cut_high must be a number from 0 to 100, not text '70'"),
    ('match_threshold = "high"\n', "match_threshold must be a number from 0 to 1, not text"),
    ("top_k = 2.5\n", "top_k must be a whole number from 1 to 100, not float"),
    ("top_k = 0\n", "top_k must be a whole number from 1 to 100, not 0"),
    ("top_k = -5\n", "top_k must be a whole number from 1 to 100, not -5"),
    ("lists = 5\n", "lists must be an array of list ids"),
    ("cut_elevated = true\n", "cut_elevated must be a number from 0 to 100, not true/false"),
    ("cut_high = 1979-05-27T07:32:00Z\n", "not a date/time"),
    ("cut_low = [1, 2]\n", "not an array"),
    ("[weights]\ntip_tier = \"0.3\"\n", "weight tip_tier must be a number in [0, 1], not text"),
    ("chainscreen = 5\n", "must be a table of settings"),
])
def test_b20_settings_are_checked_against_their_type(tmp_path: Path, text: str, message: str) -> None:
    from chainscreen.errors import SettingsError
    from chainscreen.settings import load_settings

    path = tmp_path / "chainscreen.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    assert message in str(info.value)
    assert all(line.startswith(f"{path}: ") for line in str(info.value).splitlines())


def test_b20_a_string_of_lists_is_one_list_and_errors_come_one_per_line(tmp_path: Path) -> None:
    from chainscreen.settings import load_settings

    path = tmp_path / "chainscreen.toml"
    path.write_text('lists = "dol-tvpra"\n', encoding="utf-8")
    assert load_settings(path).lists == ("dol-tvpra",)
    path.write_text('cut_high = "70"\ntop_k = 0\nlists = 5\nbogus = 1\n', encoding="utf-8")
    src = tmp_path / "lines.csv"
    src.write_text("Supplier,Country\nAcme Co,CN\n")
    result = CliRunner().invoke(cli, ["screen", str(src), "--settings", str(path), "--no-store",
                                      "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4 and "internal error" not in result.stderr
    prefix = f"error: {path}: "
    assert all(line.startswith(prefix) for line in lines), lines
    assert [line[len(prefix):].split(" ")[0] for line in lines] == [
        "cut_high", "top_k", "lists", "unknown"]


def test_b20_utf16_settings_file_is_named(tmp_path: Path) -> None:
    from chainscreen.errors import SettingsError
    from chainscreen.settings import load_settings

    path = tmp_path / "chainscreen.toml"
    path.write_text("cut_high = 80\n", encoding="utf-16")
    with pytest.raises(SettingsError, match="not UTF-8 text .it looks like UTF-16."):
        load_settings(path)


# --- B24: results JSON is checked against the published schema -----------------------------------

@pytest.fixture(scope="module")
def results_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("results")
    src = folder / "lines.csv"
    src.write_text("Supplier,Country,Description\nAcme Textile Co,CN,cotton yarn\n"
                   "Nord Garn AG,DE,wool\n")
    code, _o, err = invoke("screen", str(src), "-o", str(folder), "--format", "json",
                           "--no-store", "-q")
    assert code == 0, err
    return folder / "lines.json"


def _tamper(data: dict, how: str) -> object:
    if how == "receipt null":
        data["receipt"] = None
    elif how == "rows text":
        data["rows"] = "x"
    elif how == "level catastrophic":
        data["rows"][0]["level"] = "catastrophic"
    elif how == "evidence weight text":
        data["rows"][0]["evidence"] = [{"list_id": "x", "edition": "1", "kind": "tip_tier",
                                        "summary": "s", "strength": 1, "weight": "heavy"}]
    elif how == "candidate without score":
        data["rows"][0]["candidates"] = [{"list_id": "x", "name": "n", "decision": "match"}]
    elif how == "row twice":
        data["rows"][1]["row"] = data["rows"][0]["row"]
    elif how == "a list":
        return [data]
    return data


TAMPERING = ["receipt null", "rows text", "level catastrophic", "evidence weight text",
             "candidate without score", "row twice", "a list", "deep nesting"]


@pytest.mark.parametrize("how", TAMPERING)
def test_b24_tampered_results_are_one_clear_error(results_file: Path, tmp_path: Path, how: str) -> None:
    bad = tmp_path / "tampered.json"
    if how == "deep nesting":
        bad.write_text('{"rows": ' + "[" * 200_000 + "]" * 200_000 + ', "receipt": {}}')
    else:
        bad.write_text(json.dumps(_tamper(json.loads(results_file.read_text()), how)))
    profile = Path(__file__).parents[2] / "templates" / "profile.toml"
    for args in (["explain", str(bad), "1"],
                 ["report", "s211", "--profile", str(profile), "--results", str(bad), "--check"],
                 ["report", "sector", "--goods", "cotton", "--results", str(bad), "-o",
                  str(tmp_path / "sector")]):
        code, _out, err = invoke(*args)
        assert code == 1, (args, err)
        assert "not a valid chainscreen JSON result file" in one_error_line(err) or \
            "not a chainscreen JSON result file" in err


# --- B25: user text is escaped in every Markdown output -------------------------------------------

HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def _raw_markup(md: str) -> list[str]:
    """Markup from user text that a Markdown renderer would act on (unescaped)."""
    import re

    return re.findall(r"(?<!\\)<img|(?<!\\)\[click(?<!\\)\]|(?<!\\)\|x\|", md)


def test_b25_file_name_and_values_are_escaped_in_the_markdown_report(tmp_path: Path) -> None:
    src = tmp_path / f"{HOSTILE_NAME}.csv"
    src.write_text("Supplier,Country,Description\n"
                   "\"[click](javascript:alert(1)) Xinjiang Cotton |x|\",CN,cotton yarn\n")
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "o"), "--format", "md",
                           "--no-store", "-q")
    assert code == 0, err
    md = (tmp_path / "o" / f"{HOSTILE_NAME}.md").read_text(encoding="utf-8")
    assert md.startswith("# Screening report: \\<img src=x onerror=alert(1)\\>.csv\n")
    assert _raw_markup(md) == []


def test_b25_sector_goods_and_countries_are_escaped(tmp_path: Path) -> None:
    out = tmp_path / "brief"
    code, _o, err = invoke("report", "sector", "--goods", f"cotton {HOSTILE_NAME}",
                           "--format", "md", "-o", str(out))
    assert code == 0, err
    md = (tmp_path / "brief.md").read_text(encoding="utf-8")
    assert "cotton \\<img" in md and _raw_markup(md) == []
    # without -o the goods words make the file name: never a path
    code, stdout, err = invoke("report", "sector", "--goods", "../../cotton", "--format", "md",
                               "--force")
    assert code == 0, err
    written = Path(stdout.strip())
    assert written.parent == Path(".") and written.name == "sector-cotton.md"
    written.unlink()


# --- B8: undecodable text on check's standard input -----------------------------------------------

def test_b8_cp1252_names_on_standard_input(tmp_path: Path) -> None:
    data = "Café Andino S.A.\nMüller Textil GmbH\n".encode("cp1252")
    code, out, err = invoke("check", "--json", input=data)
    assert code == 0, err
    names = [r["supplier"] for r in json.loads(out)["rows"]]
    assert names == ["Café Andino S.A.", "Müller Textil GmbH"]


def test_b8_non_utf8_name_on_the_command_line() -> None:
    import os

    name = os.fsdecode(b"Caf\xe9 Andino")  # how Python hands over a non-UTF-8 argument
    code, out, err = invoke("check", name)
    assert code == 0, err
    assert "Café Andino" in out


# --- B7: control characters in cells: the workbook and both stores ----------------------------------

def test_b7_control_characters_are_shown_in_the_workbook(tmp_path: Path) -> None:
    import openpyxl

    src = tmp_path / "lines.csv"
    src.write_text("Supplier,Country,Note\nAcme\x0bTextile\x1b Co,CN,\x01start\n", encoding="utf-8")
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "o"), "--format", "xlsx,json",
                           "--no-store", "-q")
    assert code == 0, err
    ws = openpyxl.load_workbook(tmp_path / "o" / "lines.screened.xlsx")["Screened"]
    assert ws["A2"].value == "Acme\u240bTextile\u241b Co" and ws["C2"].value == "\u2401start"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_b7_nul_in_jsonl_is_stored_the_same_way_on_both_stores(
        tmp_path: Path, request: pytest.FixtureRequest, backend: str) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}" if backend == "sqlite" else \
        str(request.getfixturevalue("postgresql_url"))
    src = tmp_path / "lines.jsonl"
    src.write_text('{"Supplier": "Acme\\u0000Textile Co", "Country": "CN", "Goods": "cotton"}\n')
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "o"), "--format", "json",
                           "--db", db, "-q")
    assert code == 0, err
    from chainscreen.store import COMPLETE, open_store

    with open_store(db) as store:
        run = store.runs()[0]
        assert run.status == COMPLETE
        assert store.result_dict(run.id)["rows"][0]["supplier"] == "Acme\u2400Textile Co"


# --- B18: a shipped list id takes only its publisher's format; a replacement is announced ----------

LISTS = Path(__file__).parents[1] / "data" / "lists"


def _lists(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"CHAINSCREEN_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(cli, ["lists", *args], env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_b18_a_watchlist_cannot_replace_a_shipped_list(tmp_path: Path) -> None:
    code, _o, err = _lists(tmp_path, "import", str(LISTS / "watchlist.csv"), "--format", "csv",
                           "--id", "uflpa-entity-list", "--edition", "2026-08-01")
    assert code == 1
    line = one_error_line(err)
    assert "uflpa-entity-list is a shipped list" in line and "--format dhs-uflpa-html" in line
    code, out, _e = _lists(tmp_path, "status", "--json")
    uflpa = next(r for r in json.loads(out) if r["id"] == "uflpa-entity-list")
    assert uflpa["origin"] == "shipped"


def test_b18_an_edition_in_the_future_is_refused(tmp_path: Path) -> None:
    code, _o, err = _lists(tmp_path, "import", str(LISTS / "watchlist.csv"), "--format", "csv",
                           "--id", "my-watchlist", "--edition", "9999-12-31")
    assert code == 1 and "is in the future" in one_error_line(err)


def test_b18_a_replacement_of_a_shipped_edition_is_announced(tmp_path: Path) -> None:
    code, out, err = _lists(tmp_path, "import", str(LISTS / "opensanctions" / "targets.simple.csv"),
                            "--format", "opensanctions", "--id", "uflpa-entity-list",
                            "--edition", "2026-11-01")
    assert code == 0, err
    assert "replaces the shipped edition uflpa-entity-list@" in out


# --- B19: OpenSanctions files nested too deep, or with one huge line -------------------------------

@pytest.mark.parametrize("content", [
    '{"id": "x", "schema": "Company", "properties": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
    "Z" * 400_000 + "\n",
    "id,schema,name\n" + "Z" * 400_000 + ",Company,x\n",
])
def test_b19_opensanctions_deep_or_huge_lines_are_input_errors(tmp_path: Path, content: str) -> None:
    path = tmp_path / "entities.ftm.json"
    path.write_text(content)
    code, _o, err = _lists(tmp_path, "import", str(path), "--format", "opensanctions", "--id",
                           "os-test", "--edition", "2026-01-01")
    assert code == 1
    one_error_line(err)


# --- B9: entity tricks in sheet XML are refused, unexpanded and unfetched ----------------------------

def _listener() -> object:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.settimeout(0.5)
    return sock


def _accepted(sock: object) -> bool:
    try:
        conn, _addr = sock.accept()  # type: ignore[attr-defined]
    except TimeoutError:
        return False
    conn.close()
    return True


def _closing_check(sock: object) -> bool:
    try:
        return _accepted(sock)
    finally:
        sock.close()  # type: ignore[attr-defined]


def _b9_cases(tmp_path: Path) -> tuple[list[tuple[str, bytes]], object]:
    from builders import with_entity, xlsx

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER\n")
    sock = _listener()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/x.dtd"  # type: ignore[attr-defined]
    base = xlsx([["Supplier", "Country", "Description"], ["Acme Textile Co", "CN", "cotton"]])
    return [("laughs", with_entity(base, "laughs")),
            ("file", with_entity(base, "file", str(secret))),
            ("url", with_entity(base, "url", url)),
            ("parameter", with_entity(base, "parameter", url))], sock


def test_b9_entities_in_a_manifest_sheet_are_refused(tmp_path: Path) -> None:
    cases, sock = _b9_cases(tmp_path)
    for kind, data in cases:
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(data)
        out = tmp_path / f"out-{kind}"
        outcome = run_bounded(invoke, "screen", str(path), "-o", str(out), "--format", "json,csv",
                              "--no-store", "-q", seconds=30, memory=GIB)
        assert outcome.status == "ok", outcome
        code, _o, err = outcome.value
        assert code == 1, kind
        assert "declares entities" in one_error_line(err) and "MARKER" not in err
        assert not out.exists()
        assert outcome.peak_rss < 2 * GIB
    assert not _closing_check(sock), "an external entity was fetched"


def test_b9_entities_in_a_list_workbook_are_refused(tmp_path: Path) -> None:
    cases, sock = _b9_cases(tmp_path)
    for kind, data in cases:
        path = tmp_path / f"{kind}.xlsx"
        path.write_bytes(data)
        outcome = run_bounded(_lists, tmp_path, "import", str(path), "--format", "dol-tvpra",
                              "--edition", "2024-01-01", seconds=30, memory=GIB)
        assert outcome.status == "ok", outcome
        code, _o, err = outcome.value
        assert code == 1 and "declares entities" in one_error_line(err), (kind, err)
    assert not _closing_check(sock), "an external entity was fetched"


# --- B3: a merge over the whole sheet does not blow up the workbook writer ---------------------------

def test_b3_sheet_wide_merge_is_clipped_in_the_annotated_copy(tmp_path: Path) -> None:
    import openpyxl
    from builders import add_merge, xlsx

    data = add_merge(xlsx([["Supplier", "Country", "Description"],
                           ["Acme Textile Co", "CN", "cotton"], ["Nord Garn AG", "DE", "wool"],
                           ["Total", None, None]]), "A4:XFD1048576")
    src = tmp_path / "merged.xlsx"
    src.write_bytes(data)
    out = tmp_path / "o"
    outcome = run_bounded(invoke, "screen", str(src), "-o", str(out), "--format", "xlsx,json",
                          "--no-store", "-q", seconds=60, memory=GIB)
    assert outcome.status == "ok", outcome
    code, _o, err = outcome.value
    assert code == 0, err
    wb = openpyxl.load_workbook(out / "merged.screened.xlsx")
    ws = wb["Sheet"]  # the user's own sheet, copied
    assert ws["A2"].value == "Acme Textile Co" and ws["D1"].value == "Risk level"
    assert all(r.size["rows"] * r.size["columns"] < 100 for r in ws.merged_cells.ranges)
    notes = [row[3] for row in wb["Problems"].iter_rows(values_only=True)]
    assert any("A4:XFD1048576" in str(n) and "clipped" in str(n) for n in notes)


# --- B4: added columns never cover the user's cells ----------------------------------------------------

def test_b4_added_columns_start_after_the_widest_used_column(tmp_path: Path) -> None:
    import openpyxl
    from builders import xlsx

    src = tmp_path / "wide.xlsx"
    src.write_bytes(xlsx([["Supplier", "Country", "Description"],
                          ["Acme Textile Co", "CN", "cotton", "mine", 5],
                          ["Nord Garn AG", "DE", "wool"]]))
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "o"), "--format", "xlsx,json",
                           "--no-store", "-q")
    assert code == 0, err
    ws = openpyxl.load_workbook(tmp_path / "o" / "wide.screened.xlsx")["Sheet"]
    assert (ws["D2"].value, ws["E2"].value) == ("mine", 5)
    assert (ws["D1"].value, ws["E1"].value) == ("column_4", "column_5")
    assert ws["F1"].value == "Risk level" and ws["F2"].value in ("high", "elevated", "low", "clear")
    rows = json.loads((tmp_path / "o" / "wide.json").read_text())["rows"]
    assert len(rows) == 2


# --- reader defects: every mode (whole file, streamed) gives the same rows ---------------------------

def _screen_rows(path: Path, out: Path, stream: bool) -> tuple[int, list[dict], list[dict], str]:
    code, _o, err = invoke("screen", str(path), "-o", str(out), "--format", "json", "--no-store",
                           "-q", "--force", "--stream" if stream else "--no-stream")
    if code != 0:
        return code, [], [], err
    data = json.loads((out / f"{path.stem}.json").read_text(encoding="utf-8"))
    return code, data["rows"], data["problems"], err


BOTH = pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])


@BOTH
def test_b1_a_quote_never_closed_loses_no_row(tmp_path: Path, stream: bool) -> None:
    src = tmp_path / "lines.csv"
    src.write_text('Supplier,Country,Description\nAcme Textile Co,CN,cotton\n'
                   '"Bravo Garments Co,CN,shirts\nCharlie Seafood Co,VN,shrimp\nDelta Rice Ltd,IN,rice\n')
    code, rows, problems, err = _screen_rows(src, tmp_path / "o", stream)
    assert code == 0, err
    assert [r["supplier"] for r in rows] == ["Acme Textile Co", '"Bravo Garments Co',
                                             "Charlie Seafood Co", "Delta Rice Ltd"]
    assert [r["country"] for r in rows] == ["CN", "CN", "VN", "IN"]
    assert any(p["row"] == 2 and "quote opened on line 3 is never closed" in p["reason"]
               for p in problems)


@BOTH
def test_b1_a_stray_quote_closed_lines_below_and_real_multiline_cells(tmp_path: Path,
                                                                       stream: bool) -> None:
    src = tmp_path / "lines.csv"
    src.write_text('Supplier,Country,Address\n"Acme Co",CN,"Building 5, Zone A\nRoad 12, Dist 3"\n'
                   '"Bravo Co,CN,x\nCharlie Co,VN,y\nDelta Ltd,IN,z"\nEcho Co,TH,w\n')
    code, rows, problems, err = _screen_rows(src, tmp_path / "o", stream)
    assert code == 0, err
    assert [r["supplier"] for r in rows] == ["Acme Co", '"Bravo Co', "Charlie Co", "Delta Ltd",
                                             "Echo Co"]
    assert sum("never closed" in p["reason"] for p in problems) == 1


@BOTH
def test_b10_a_line_break_in_a_header_cell_shifts_no_row(tmp_path: Path, stream: bool) -> None:
    src = tmp_path / "lines.csv"
    src.write_text('"Supplier\nName",Country,Description\nAcme Textile Co,CN,cotton\nNord AG,DE,wool\n')
    code, rows, _p, err = _screen_rows(src, tmp_path / "o", stream)
    assert code == 0, err
    assert [(r["row"], r["supplier"]) for r in rows] == [(1, "Acme Textile Co"), (2, "Nord AG")]


@BOTH
def test_b10_a_line_break_in_a_title_row_above_the_header(tmp_path: Path, stream: bool) -> None:
    src = tmp_path / "lines.csv"
    src.write_text('"Suppliers\nQ3 2024",,\nSupplier,Country,Description\nAcme Textile Co,CN,cotton\n'
                   'Nord AG,DE,wool\n')
    code, rows, _p, err = _screen_rows(src, tmp_path / "o", stream)
    assert code == 0, err
    assert [(r["row"], r["supplier"]) for r in rows] == [(1, "Acme Textile Co"), (2, "Nord AG")]


@BOTH
def test_b12_a_trailing_ctrl_z_is_no_row(tmp_path: Path, stream: bool) -> None:
    src = tmp_path / "lines.csv"
    src.write_bytes(b"Supplier,Country,Description\r\nAcme Textile Co,CN,cotton\r\nNord AG,DE,wool\r\n\x1a")
    code, rows, _p, err = _screen_rows(src, tmp_path / "o", stream)
    assert code == 0, err
    assert [r["supplier"] for r in rows] == ["Acme Textile Co", "Nord AG"]


@BOTH
def test_b11_an_over_wide_row_does_not_become_the_header(tmp_path: Path, stream: bool) -> None:
    src = tmp_path / "lines.csv"
    src.write_text("Supplier,Country,Description\nAcme Textile Co,CN,cotton\n"
                   "Wide Co," + ",".join(["x"] * 60) + "\nNord AG,DE,wool\n")
    code, rows, _p, err = _screen_rows(src, tmp_path / "o", stream)
    assert code == 0, err
    assert [r["supplier"] for r in rows] == ["Acme Textile Co", "Wide Co", "Nord AG"]


@BOTH
def test_b2_a_50000_field_row_is_refused_in_bounded_memory(tmp_path: Path, stream: bool) -> None:
    src = tmp_path / "lines.csv"
    body = "".join(f"Supplier {i} Co,CN,cotton\n" for i in range(1000))
    src.write_text("Supplier,Country,Description\n" + body[:5000] + "Broken Co," +
                   ",".join(f"v{i}" for i in range(50_000)) + "\n" + body[5000:])
    outcome = run_bounded(_screen_rows, src, tmp_path / "o", stream, seconds=60, memory=GIB)
    assert outcome.status == "ok", outcome
    code, _rows, _p, err = outcome.value
    assert code == 1 and "has 50,001 cells and the header 3" in one_error_line(err)
    assert outcome.peak_rss < GIB


def test_b2_a_stray_cell_at_xfd1048576_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    from builders import add_cell, xlsx

    src = tmp_path / "lines.xlsx"
    src.write_bytes(add_cell(xlsx([["Supplier", "Country", "Description"],
                                   ["Acme Textile Co", "CN", "cotton"]]), "XFD1048576", "stray"))
    assert len(src.read_bytes()) < 10_000
    outcome = run_bounded(_screen_rows, src, tmp_path / "o", False, seconds=120, memory=2 * GIB)
    assert outcome.status == "ok", outcome
    code, _rows, _p, err = outcome.value
    assert code == 1 and "down to cell XFD1048576" in one_error_line(err)


def test_b2_cells_far_right_are_kept_as_their_own_column(tmp_path: Path) -> None:
    from builders import add_cell, xlsx

    src = tmp_path / "lines.xlsx"
    src.write_bytes(add_cell(xlsx([["Supplier", "Country", "Description"],
                                   ["Acme Textile Co", "CN", "cotton"]]), "XFD2", "far note"))
    code, rows, problems, err = _screen_rows(src, tmp_path / "o", False)
    assert code == 0, err
    assert len(rows) == 1
    assert any("kept as column_16384" in p["reason"] for p in problems)


def test_b6_rows_out_of_order_are_placed_by_their_number(tmp_path: Path) -> None:
    import openpyxl
    from builders import reorder_rows, xlsx

    src = tmp_path / "lines.xlsx"
    src.write_bytes(reorder_rows(xlsx([["Supplier", "Country", "Description"],
                                       ["Acme Textile Co", "CN", "cotton"],
                                       ["Nord Garn AG", "DE", "wool"],
                                       ["Xinjiang Hoshine Silicon Industry Co", "CN", "silicon"]]),
                                 [0, 3, 1, 2]))
    code, rows, problems, err = _screen_rows(src, tmp_path / "o", False)
    assert code == 0, err
    assert [(r["row"], r["supplier"]) for r in rows] == [
        (1, "Acme Textile Co"), (2, "Nord Garn AG"), (3, "Xinjiang Hoshine Silicon Industry Co")]
    assert any("out of order" in p["reason"] for p in problems)
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "x"), "--format", "xlsx",
                           "--no-store", "-q")
    assert code == 0, err
    ws = openpyxl.load_workbook(tmp_path / "x" / "lines.screened.xlsx")["Sheet"]
    by_name = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=4).value for i in range(2, 5)}
    assert by_name["Nord Garn AG"] != "high"  # the verdict of the Xinjiang row is on its own row
    assert by_name["Xinjiang Hoshine Silicon Industry Co"] in ("high", "elevated")


def test_b6_one_row_number_twice_is_refused_when_the_copies_differ(tmp_path: Path) -> None:
    from builders import renumber_row, xlsx

    src = tmp_path / "lines.xlsx"
    src.write_bytes(renumber_row(xlsx([["Supplier", "Country", "Description"],
                                       ["Acme Textile Co", "CN", "cotton"],
                                       ["Nord Garn AG", "DE", "wool"]]), 2, 2))
    code, _rows, _p, err = _screen_rows(src, tmp_path / "o", False)
    assert code == 1
    assert "lists row 2 twice, with different values in cell A2" in one_error_line(err)


@BOTH
def test_b8_a_lone_surrogate_in_jsonl_is_replaced_and_reported(tmp_path: Path, stream: bool) -> None:
    src = tmp_path / "lines.jsonl"
    src.write_text('{"Supplier": "Acme \\ud800 Co", "Country": "CN"}\n'
                   '{"Supplier": "Nord AG \\ud83d\\ude00", "Country": "DE"}\n')
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "o"), "--format",
                           "json,csv,html,jsonl", "--force", "-q", "--db",
                           f"sqlite:///{tmp_path / 'r.sqlite'}", "--stream" if stream else "--no-stream")
    assert code == 0, err
    data = json.loads((tmp_path / "o" / "lines.json").read_text(encoding="utf-8"))
    assert [r["supplier"] for r in data["rows"]] == ["Acme \ufffd Co", "Nord AG \U0001f600"]
    assert any(p["row"] == 1 and "half of a character" in p["reason"] for p in data["problems"])


# --- B21/B22: outputs checked before any screening; the input is never an output -----------------------

@pytest.mark.parametrize("outdir", ["/dev/null", "/dev/null/out", "/proc/chainscreen-out"])
def test_b21_an_unwritable_output_folder_is_refused_before_screening(tmp_path: Path, outdir: str) -> None:
    src = tmp_path / "lines.csv"
    src.write_text("Supplier,Country\nAcme Textile Co,CN\n")
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    code, _o, err = invoke("screen", str(src), "-o", outdir, "--format", "json,csv", "--db", db, "-q")
    assert code == 1
    assert "choose another output folder" in one_error_line(err)
    from chainscreen.store import open_store

    with open_store(db) as store:
        assert store.runs() == []  # refused before a run was started


def test_b21_an_output_that_is_a_folder_is_refused_even_with_force(tmp_path: Path) -> None:
    src = tmp_path / "lines.csv"
    src.write_text("Supplier,Country\nAcme Textile Co,CN\n")
    (tmp_path / "o" / "lines.json").mkdir(parents=True)
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "o"), "--format", "json",
                           "--no-store", "-q", "--force")
    assert code == 1 and "is a folder, not a file" in one_error_line(err)
    code, _o, err = invoke("review", "--export", "/dev/null/decisions.csv", "--db",
                           f"sqlite:///{tmp_path / 'r.sqlite'}")
    assert code == 1 and "is not a folder" in one_error_line(err)


def test_b22_the_input_is_never_written_over(tmp_path: Path) -> None:
    src = tmp_path / "lines.html"  # a CSV export saved with another extension
    src.write_text("Supplier,Country\nAcme Textile Co,CN\n")
    before = src.read_bytes()
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path), "--format", "html", "--no-store",
                           "-q", "--force")
    assert code == 1 and "is the input file" in one_error_line(err)
    link = tmp_path / "o" / "lines.json"
    link.parent.mkdir()
    link.symlink_to(src)
    code, _o, err = invoke("screen", str(src), "-o", str(tmp_path / "o"), "--format", "json",
                           "--no-store", "-q", "--force")
    assert code == 1 and "is the input file" in one_error_line(err)
    assert src.read_bytes() == before
