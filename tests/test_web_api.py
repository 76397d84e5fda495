"""The review app's JSON API and pages through Starlette's test client: one test per route,
bad input included, the token and CSRF guards, escaping, concurrent decisions, and the
reviewed downloads against ``chainscreen report --run``."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the review app needs the web extra: pip install 'chainscreen[web]'")
pytest.importorskip("uvicorn", reason="the review app needs the web extra: pip install 'chainscreen[web]'")
httpx = pytest.importorskip("httpx", reason="the API tests talk to the server with httpx")

from _web import SAMPLE, live_server, store_run  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from chainscreen.cli import cli  # noqa: E402
from chainscreen.errors import InputError  # noqa: E402
from chainscreen.store import open_store  # noqa: E402
from chainscreen.web.app import ServeConfig, create_app  # noqa: E402

JP_HIT = "1:uflpa-a96477ba9b"  # row 1: an alias of a listed company; only the country adds evidence


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('webapi') / 'runs.sqlite'}"
    with open_store(url) as store:
        store_run(store, SAMPLE)
    yield url


@pytest.fixture(scope="module")
def server(db: str) -> Iterator[tuple[str, Any]]:
    """The app over the stored run, served on a free local port."""
    with open_store(db) as store:
        app = create_app(store)
        with live_server(app) as url:
            yield url, app


@pytest.fixture()
def store(db: str, server: Any) -> Iterator[Any]:
    # every test starts from the stored run with no decisions
    with open_store(db) as st:
        with st.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM decisions")
        yield st


@pytest.fixture()
def client(server: tuple[str, Any], store: Any) -> Iterator[Any]:
    with httpx.Client(base_url=server[0], timeout=60) as c:
        yield c


def _csrf(client: Any) -> str:
    client.get("/runs/1")
    return str(client.cookies.get("chainscreen_csrf"))


def test_healthz(client: Any) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["runs"] == 1
    assert "uflpa-entity-list" in r.json()["lists"]


def test_openapi_describes_every_api_route(client: Any, server: tuple[str, Any]) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    described = {re.sub(r"\{[^}]+\}", "{}", p) for p in doc["paths"]}
    served = {re.sub(r"\{[^}]+\}", "{}", r.path) for r in server[1].routes
              if r.path.startswith("/api/") or r.path == "/healthz"}
    assert served == described


def test_api_runs(client: Any) -> None:
    runs = client.get("/api/runs").json()
    assert len(runs) == 1
    run = runs[0]
    assert {"id", "uid", "input", "started", "rows", "counts", "open_hits"} <= set(run)
    assert run["input"] == "review_sample.csv" and run["rows"] == 5
    assert set(run["counts"]) == {"high", "elevated", "low", "clear", "unscreenable"}
    assert run["open_hits"] == len(client.get("/api/runs/1/hits").json()) > 0


def test_api_hits_in_triage_order_and_bad_input(client: Any) -> None:
    hits = client.get("/api/runs/1/hits?state=all").json()
    keys = {"hit", "row", "supplier", "list_id", "record_id", "matched_name", "match_score", "level",
            "decision"}
    assert all(keys <= set(h) for h in hits)
    assert JP_HIT in {h["hit"] for h in hits}
    assert {h["list_id"] for h in hits if h["row"] == 2} == {"uflpa-entity-list", "cbp-wro-entities"}
    matches = [h["match"] for h in hits]
    assert matches == sorted(matches, key=["match", "review"].index)  # entity matches first
    assert all(h["decision"] is None for h in hits)
    assert client.get("/api/runs/1/hits").json() == hits  # nothing decided: open == all
    r = client.get("/api/runs/1/hits?state=closed")
    assert r.status_code == 400 and "state" in r.json()["error"]
    assert client.get("/api/runs/99/hits").status_code == 404
    assert client.get("/api/runs/x/hits").status_code == 404


def test_api_decisions(client: Any, store: Any) -> None:
    r = client.post("/api/runs/1/decisions", json={"hit": JP_HIT, "decision": "dismiss",
                                                   "note": "other company: Hefei Bitland is elsewhere", "by": "ana"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["hit"] == JP_HIT and body["decision"] == "dismiss" and body["by"] == "ana"
    assert body["note"] == "other company: Hefei Bitland is elsewhere" and body["edition"] and body["at"]
    assert body["list_id"] == "uflpa-entity-list" and body["record_id"] == "uflpa-a96477ba9b"
    stored = store.decisions()
    assert len(stored) == 1 and stored[0].edition == body["edition"]
    open_now = client.get("/api/runs/1/hits").json()
    assert JP_HIT not in {h["hit"] for h in open_now}
    decided = {h["hit"]: h for h in client.get("/api/runs/1/hits?state=all").json()}[JP_HIT]
    assert decided["decision"] == {"decision": "dismiss", "note": "other company: Hefei Bitland is elsewhere",
                                   "by": "ana", "at": body["at"]}
    for bad, why in (({"hit": "1:nope", "decision": "dismiss", "by": "ana"}, "no hit"),
                     ({"hit": JP_HIT, "decision": "ignore", "by": "ana"}, "not one of"),
                     ({"hit": JP_HIT, "decision": "dismiss"}, "by"),
                     ({"hit": JP_HIT, "decision": "dismiss", "by": "ana", "note": 3}, "note"),
                     ({"hit": "row one", "decision": "dismiss", "by": "ana"}, "no hit")):
        r = client.post("/api/runs/1/decisions", json=bad)
        assert r.status_code == 400 and why in r.json()["error"], (bad, r.text)
        assert "\n" not in r.json()["error"]
    r = client.post("/api/runs/1/decisions", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    r = client.post("/api/runs/1/decisions", json=["hit"])
    assert r.status_code == 400
    assert client.post("/api/runs/42/decisions", json={"hit": JP_HIT, "decision": "dismiss",
                                                       "by": "ana"}).status_code == 404
    assert len(store.decisions()) == 1  # nothing bad was stored


def test_api_decisions_csrf(client: Any, store: Any) -> None:
    form = {"hit": JP_HIT, "decision": "confirm", "by": "mallory"}
    r = client.post("/api/runs/1/decisions", data=form)  # a browser form, no CSRF token
    assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = client.post("/api/runs/1/decisions", content=json.dumps(form).encode(),
                    headers={"content-type": "text/plain"})
    assert r.status_code == 403
    r = client.post("/api/runs/1/decisions", data={**form, "csrf": "guessed"})
    assert r.status_code == 403
    r = client.post("/api/runs/1/decisions", json=form, headers={"origin": "https://evil.example"})
    assert r.status_code == 403
    assert store.decisions() == []
    token = _csrf(client)
    r = client.post("/api/runs/1/decisions", data={**form, "by": "ana", "csrf": token})
    assert r.status_code == 201
    r = client.post("/runs/1/hits/" + JP_HIT, data={"decision": "dismiss", "by": "ana"})
    assert r.status_code == 403  # the hit page's own form without its token
    assert [d.status for d in store.decisions()] == ["confirm"]


def test_api_row_with_decisions_applied(client: Any) -> None:
    row = client.get("/api/runs/1/rows/1").json()
    assert row["level"] == "high" and row["decision"] is None
    assert row["input"]["Supplier"] == "Hefei Baolongda Information Technology Co Ltd"
    assert row["input"]["Address"] == "Hefei, Anhui"
    client.post("/api/runs/1/decisions", json={"hit": JP_HIT, "decision": "dismiss",
                                               "note": "other company", "by": "ana"})
    row = client.get("/api/runs/1/rows/1").json()
    assert row["level"] == "low" and row["score"] < 40  # the country evidence alone
    assert row["decision"]["before"] == {"level": "high", "score": 100.0}
    assert [e["kind"] for e in row["evidence"]] == ["tip_tier"]
    assert row["decision"]["text"].startswith("cleared by ana on ")
    assert "other company" in row["decision"]["text"]
    assert not [e for e in row["evidence"] if e.get("record_id") == "uflpa-a96477ba9b"]
    # row 5: the same supplier at another address has its own row hash: still open
    assert client.get("/api/runs/1/rows/5").json()["level"] == "high"
    assert client.get("/api/runs/1/rows/99").status_code == 404
    assert client.get("/api/runs/2/rows/1").status_code == 404


def test_every_row_of_a_supplier(client: Any) -> None:
    r = client.post("/api/runs/1/decisions", json={"hit": JP_HIT, "decision": "dismiss", "by": "ana",
                                                   "note": "not them", "every_row": True})
    assert r.status_code == 201 and r.json()["applied_to"] == 2
    assert client.get("/api/runs/1/rows/5").json()["level"] == "low"
    assert {h["row"] for h in client.get("/api/runs/1/hits").json()}.isdisjoint({1, 5})


def test_api_check_answers_as_the_cli(client: Any) -> None:
    body = {"names": ["Hoshine Silicon Industry (Shanshan) Co Ltd", "Nordic Office Paper AB"],
            "country": "CN", "hs": "2804.61"}
    r = client.post("/api/check", json=body)
    assert r.status_code == 200
    got = r.json()
    cli_run = CliRunner().invoke(cli, ["check", *body["names"], "--country", "CN", "--hs", "2804.61",
                                       "--json"])
    assert cli_run.exit_code == 0, cli_run.output
    want = json.loads(cli_run.output)
    for side in (got, want):
        side["receipt"].pop("started")
        side["receipt"].pop("finished")
    assert got == want
    assert got["rows"][0]["level"] == "high"
    for bad in ({}, {"names": "Hoshine"}, {"names": []}, {"names": [""]}, {"names": [1]},
                {"names": ["x"], "country": 5}, {"names": ["x"], "colour": "red"}, ["x"]):
        r = client.post("/api/check", json=bad)
        assert r.status_code == 400 and r.json()["error"], bad
    r = client.post("/api/check", content=b"names=x", headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_concurrent_decisions_both_kept(client: Any, store: Any) -> None:
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def decide(status: str, who: str) -> None:
        with httpx.Client(base_url=str(client.base_url), timeout=60) as own:
            barrier.wait()
            codes.append(own.post("/api/runs/1/decisions", json={
                "hit": JP_HIT, "decision": status, "by": who, "note": f"from {who}'s browser"}).status_code)

    threads = [threading.Thread(target=decide, args=a) for a in (("dismiss", "ana"), ("escalate", "bo"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [201, 201]
    kept = store.decisions()
    assert sorted(d.by for d in kept) == ["ana", "bo"]
    in_force = {h["hit"]: h for h in client.get("/api/runs/1/hits?state=all").json()}[JP_HIT]["decision"]
    assert in_force["by"] == kept[-1].by  # the later supersedes; both stay in the history
    page = client.get("/runs/1/hits/" + JP_HIT).text
    assert "from ana&#39;s browser" in page and "from bo&#39;s browser" in page


def test_pages_escape_manifest_values(client: Any) -> None:
    queue = client.get("/runs/1?state=all")
    assert queue.status_code == 200
    assert "<i>Zhuhai" not in queue.text and "&lt;i&gt;Zhuhai" in queue.text
    searched = client.get("/runs/1", params={"state": "all", "q": "<script>alert(1)</script>"})
    assert "<script>alert(1)" not in searched.text and "&lt;script&gt;alert(1)" in searched.text
    ref = next(h["hit"] for h in client.get("/api/runs/1/hits").json() if h["row"] == 4)
    page = client.get(f"/runs/1/hits/{ref}")
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text  # the address
    assert "<i>Zhuhai" not in page.text and "&lt;i&gt;Zhuhai" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert "https://" not in "".join(re.findall(r'(?:src|href)="([^"]+)"', page.text)
                                     ).replace("https://www.dhs.gov", "")


def test_pages_and_filters(client: Any) -> None:
    assert "review_sample.csv" in client.get("/").text
    row2 = {h["list_id"]: h["hit"] for h in client.get("/api/runs/1/hits").json() if h["row"] == 2}
    page = client.get("/runs/1?list=cbp-wro-entities&state=all").text
    assert row2["cbp-wro-entities"] in page and row2["uflpa-entity-list"] not in page
    page = client.get("/runs/1?q=hoshine&state=all").text
    assert "Hoshine" in page and "Baolongda" not in page
    assert client.get("/runs/1?state=maybe").status_code == 400
    assert client.get("/runs/9").status_code == 404
    assert client.get("/runs/1/hits/1:nothing").status_code == 404
    token = _csrf(client)
    r = client.post("/runs/1/hits/" + JP_HIT + "?state=open", data={
        "decision": "dismiss", "note": "", "by": "ana", "csrf": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/runs/1/hits/")
    r = client.post("/runs/1/hits/" + row2["uflpa-entity-list"], data={"decision": "maybe", "by": "ana",
                                                            "csrf": token})
    assert r.status_code == 400 and "not one of" in r.text


def test_download_is_report_run(client: Any, db: str, tmp_path: Path) -> None:
    client.post("/api/runs/1/decisions", json={"hit": JP_HIT, "decision": "dismiss",
                                               "note": "other company", "by": "ana"})
    got = {fmt: client.get(f"/runs/1/download/{fmt}") for fmt in ("json", "html", "xlsx")}
    assert all(r.status_code == 200 for r in got.values())
    assert "attachment" in got["xlsx"].headers["content-disposition"]
    out = CliRunner().invoke(cli, ["report", "--run", "1", "--db", db, "-o", str(tmp_path),
                                   "--format", "json,html"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "review_sample.run1.reviewed.json").read_bytes() == got["json"].content
    assert (tmp_path / "review_sample.run1.reviewed.html").read_bytes() == got["html"].content
    data = got["json"].json()
    # row 1 cleared; rows 2, 4 and 5 still match listed entities
    assert data["rows"][0]["level"] == "low" and data["summary"]["levels"]["high"] == 3
    assert "cleared by ana" in got["html"].text
    assert client.get("/runs/1/download/exe").status_code == 404


def test_token_guard(store: Any) -> None:
    with pytest.raises(InputError, match="token"):
        create_app(store, ServeConfig(host="0.0.0.0"))
    app = create_app(store, ServeConfig(host="0.0.0.0", token="s3cret"))
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        assert c.get("/healthz").status_code == 401
        assert c.get("/api/runs").status_code == 401
        assert c.get("/", headers={"accept": "text/html"}).status_code == 401
        assert c.get("/api/runs", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/runs", headers={"authorization": "Bearer s3cret"}).status_code == 200
        r = c.get("/runs/1?token=s3cret&state=all")
        assert r.status_code == 303 and r.headers["location"] == "/runs/1?state=all"
        assert c.get("/runs/1").status_code == 200  # the cookie carries it from now on


def test_local_bind_answers_only_localhost(client: Any) -> None:
    assert client.get("/healthz", headers={"host": "rebound.example"}).status_code == 421
    assert client.get("/healthz", headers={"host": "localhost:8765"}).status_code == 200


def test_serve_refuses_a_public_host_without_token() -> None:
    r = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"], env={"CHAINSCREEN_TOKEN": ""})
    assert r.exit_code == 2 and "--token" in r.output


def test_review_export_keeps_history_and_edition(client: Any, db: str, tmp_path: Path) -> None:
    for status in ("dismiss", "confirm"):
        client.post("/api/runs/1/decisions", json={"hit": JP_HIT, "decision": status, "by": "ana"})
    out = tmp_path / "decisions.csv"
    r = CliRunner().invoke(cli, ["review", "--export", str(out), "--db", db])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith(",edition")
    edition = client.get("/api/runs").json()[0]["lists"]
    edition = next(e["edition"] for e in edition if e["id"] == "uflpa-entity-list")
    assert text.count("uflpa-a96477ba9b") == 2 and text.count(f",{edition}\n") == 2
