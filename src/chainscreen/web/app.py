"""The review web app: server-rendered pages and a JSON API over the run store (Starlette).

:func:`create_app` builds the ASGI app that ``chainscreen serve`` runs with uvicorn; tests run
the same app. Pages (Jinja templates in ``templates/web/``, autoescaped) and the API both call
:class:`~chainscreen.web.service.ReviewService`; the API paths and shapes are listed in
:mod:`chainscreen.web.openapi` (``GET /openapi.json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from chainscreen.errors import ChainscreenError, InputError
from chainscreen.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    FORM_TYPES,
    Guard,
    is_local,
    new_secret,
    origin_ok,
    same,
)
from chainscreen.web.service import Filters, NotFound, ReviewService, decision_dict, entry_dict

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from chainscreen.reference import ReferenceSet
    from chainscreen.settings import Settings
    from chainscreen.store import Store

#: Cookie remembering the reviewer's name between decisions.
REVIEWER_COOKIE = "chainscreen_reviewer"


@dataclass(frozen=True)
class ServeConfig:
    """How the app was started: where it listens, its token, the default reviewer name."""

    host: str = "127.0.0.1"
    token: str | None = None
    reviewer: str = ""
    #: Host names accepted besides localhost on a local bind (tests add "testserver").
    extra_hosts: tuple[str, ...] = ()


def create_app(store: Store, config: ServeConfig | None = None, *, settings: Settings | None = None,
               reference: ReferenceSet | None = None,
               reference_args: dict[str, Any] | None = None) -> Starlette:
    """The ASGI app over ``store``. The check's list index is built here, once. ``reference_args``
    are the list folders (``root``, ``user`` of :func:`chainscreen.reference.load_reference`)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from chainscreen.resources import templates_dir

    config = config or ServeConfig()
    if not is_local(config.host) and not config.token:
        raise InputError(f"--host {config.host} makes the review app reachable from other machines; "
                         "give it a --token (or CHAINSCREEN_TOKEN) that every request must carry")
    service = ReviewService(store, settings=settings, reference=reference, reference_args=reference_args)
    routes = [
        Route("/", runs_page),
        Route("/runs/{run_id:int}", queue_page),
        Route("/runs/{run_id:int}/hits/{ref}", hit_page, methods=["GET"]),
        Route("/runs/{run_id:int}/hits/{ref}", hit_post, methods=["POST"]),
        Route("/runs/{run_id:int}/download/{fmt}", download),
        Route("/api/runs", api_runs),
        Route("/api/runs/{run_id:int}/hits", api_hits),
        Route("/api/runs/{run_id:int}/decisions", api_decide, methods=["POST"]),
        Route("/api/runs/{run_id:int}/rows/{row:int}", api_row),
        Route("/api/check", api_check, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/openapi.json", openapi),
        Mount("/static", StaticFiles(directory=str(templates_dir() / "web" / "static")), name="static"),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(
        Guard, token=config.token, local_only=is_local(config.host), extra_hosts=config.extra_hosts)],
        exception_handlers={404: _not_found, 405: _not_allowed})
    app.state.service = service
    app.state.config = config
    app.state.env = _environment()
    return app


def _environment() -> Any:
    from chainscreen.report.render import environment

    env = environment()
    env.filters["q"] = lambda params: urlencode(params) if params else ""
    env.filters["path"] = lambda text: quote(str(text), safe=":@")
    return env


# ---------------------------------------------------------------------------------------------
# helpers


def _service(request: Request) -> ReviewService:
    return request.app.state.service  # type: ignore[no-any-return]


def _json(data: Any, status: int = 200) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse(data, status)


def _error(message: str, status: int) -> Response:
    return _json({"error": message.splitlines()[0] if message else "error"}, status)


def _api(request: Request, call: Any) -> Response:
    """Run an API call; NotFound → 404, other ChainscreenError (bad input) → 400."""
    try:
        return call()
    except NotFound as exc:
        return _error(str(exc), 404)
    except ChainscreenError as exc:
        return _error(str(exc), 400)


async def _not_found(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return _error("not found", 404)
    return _page(request, "web/error.html.j2", {"title": "Not found",
                                               "message": "There is nothing at this address."}, 404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return _error(f"{request.method} is not allowed here", 405)


def _csrf(request: Request) -> str:
    """The CSRF token of this browser (its cookie), or a new one (set by :func:`_page`)."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.scope.setdefault("chainscreen.csrf", new_secret())
    return str(token)


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    from starlette.responses import HTMLResponse

    from chainscreen.report.render import LEVEL_COLOURS
    from chainscreen.store import display_url
    from chainscreen.version import __version__

    service = _service(request)
    csrf = _csrf(request)
    html = request.app.state.env.get_template(template).render(
        csrf=csrf, csrf_field=CSRF_FIELD, colours=LEVEL_COLOURS, version=__version__,
        db=display_url(service.store.url), **context)
    response = HTMLResponse(html, status)
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict")
    # the pages load nothing from elsewhere: no CDN, no fonts, no frames
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes form posts send Origin: null
    return response


def _reviewer(request: Request) -> str:
    return request.cookies.get(REVIEWER_COOKIE) or request.app.state.config.reviewer or ""


async def _form_post_allowed(request: Request, form: Any) -> bool:
    """A browser form post: same origin and the CSRF field matching this browser's cookie."""
    if not origin_ok(request.headers.get("origin"), request.headers.get("host")):
        return False
    return same(str(form.get(CSRF_FIELD) or ""), request.cookies.get(CSRF_COOKIE))


# ---------------------------------------------------------------------------------------------
# pages


def runs_page(request: Request) -> Response:
    """Every run: input, date, rows, level counts, list editions and their age, open hits."""
    return _page(request, "web/runs.html.j2", {"title": "Runs", "runs": _service(request).runs(),
                                               "page": "runs"})


def queue_page(request: Request) -> Response:
    """A run's hits in triage order, with filters, search and counts."""
    from chainscreen.review import queue_counts

    service = _service(request)
    run_id = request.path_params["run_id"]
    try:
        filters = Filters.from_query(request.query_params)
        run, entries = service.queue(run_id)
    except NotFound as exc:
        return _page(request, "web/error.html.j2", {"title": "Not found", "message": str(exc)}, 404)
    except InputError as exc:
        return _page(request, "web/error.html.j2", {"title": "Bad filter", "message": str(exc)}, 400)
    shown = [e for e in entries if filters.keep(e)]
    return _page(request, "web/queue.html.j2", {
        "title": f"Run {run.id}: {run.input_name}", "page": "queue", "run": run,
        "entries": shown, "all": len(entries), "counts": queue_counts(entries),
        "shown_counts": queue_counts(shown), "filters": filters, "query": filters.query(),
        "levels": sorted({e.hit.level for e in entries}),
        "lists": sorted({e.hit.list_id for e in entries}),
        "countries": sorted({e.hit.country for e in entries if e.hit.country}),
        "states": ("open", "confirm", "dismiss", "escalate", "all"),
        "decided": request.query_params.get("decided"),
    })


def hit_page(request: Request, *, error: str | None = None, status: int = 200,
             note: str = "") -> Response:
    """One hit side by side with its list record; decide it here."""
    service = _service(request)
    run_id, ref = request.path_params["run_id"], request.path_params["ref"]
    try:
        filters = Filters.from_query(request.query_params)
        view = service.hit(run_id, ref, filters)
    except NotFound as exc:
        return _page(request, "web/error.html.j2", {"title": "Not found", "message": str(exc)}, 404)
    except InputError as exc:
        return _page(request, "web/error.html.j2", {"title": "Bad filter", "message": str(exc)}, 400)
    return _page(request, "web/hit.html.j2", {
        **view, "title": f"Hit {view['ref']}", "page": "hit", "filters": filters,
        "query": filters.query(), "reviewer": _reviewer(request), "error": error, "note": note,
        "decided": request.query_params.get("decided"),
    }, status)


async def hit_post(request: Request) -> Response:
    """The hit page's form: record the decision, then go to the next hit of the queue."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, RedirectResponse

    form = await request.form()
    if not await _form_post_allowed(request, form):
        return PlainTextResponse("Forbidden: this form was not sent from this app's page "
                                 "(missing or wrong CSRF token). Reload the page and try again.", 403)
    service = _service(request)
    run_id, ref = request.path_params["run_id"], request.path_params["ref"]
    by = str(form.get("by") or "").strip()
    note = str(form.get("note") or "")
    try:
        filters = Filters.from_query(request.query_params)
        nxt = await run_in_threadpool(service.next_after, run_id, ref, filters)
        hit, made = await run_in_threadpool(
            service.decide, run_id, ref, str(form.get("decision") or ""), note=note, by=by,
            every_row=bool(form.get("every_row")))
    except NotFound as exc:
        return PlainTextResponse(str(exc), 404)
    except ChainscreenError as exc:
        return await run_in_threadpool(hit_page, request, error=str(exc), status=400, note=note)
    params = {**filters.query(), "decided": f"{made[0].status}:{ref}:{len(made)}"}
    if nxt is not None:
        target = f"/runs/{run_id}/hits/{quote(nxt, safe=':@')}?{urlencode(params)}"
    else:
        target = f"/runs/{run_id}?{urlencode(params)}"
    response = RedirectResponse(target, 303)
    response.set_cookie(REVIEWER_COOKIE, by, samesite="strict", httponly=True)
    return response


def download(request: Request) -> Response:
    """A reviewed output of the run: the workbook, HTML report, JSON, Markdown or CSV."""
    from starlette.responses import PlainTextResponse, Response

    types = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "html": "text/html; charset=utf-8", "json": "application/json",
             "md": "text/markdown; charset=utf-8", "csv": "text/csv; charset=utf-8"}
    try:
        name, data = _service(request).download(request.path_params["run_id"],
                                                request.path_params["fmt"])
    except NotFound as exc:
        return PlainTextResponse(str(exc), 404)
    except ChainscreenError as exc:
        return PlainTextResponse(str(exc), 409)
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return Response(data, media_type=types[request.path_params["fmt"]], headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff"})


# ---------------------------------------------------------------------------------------------
# the JSON API


def api_runs(request: Request) -> Response:
    """``GET /api/runs``."""
    return _api(request, lambda: _json(_service(request).runs()))


def api_hits(request: Request) -> Response:
    """``GET /api/runs/{id}/hits?state=open|all``."""
    state = request.query_params.get("state", "open")
    return _api(request, lambda: _json(_service(request).hits(request.path_params["run_id"], state)))


def api_row(request: Request) -> Response:
    """``GET /api/runs/{id}/rows/{row}``: the row's result with decisions applied."""
    return _api(request, lambda: _json(_service(request).row(request.path_params["run_id"],
                                                             request.path_params["row"])))


async def api_decide(request: Request) -> Response:
    """``POST /api/runs/{id}/decisions``: record a decision; 201 with the stored decision."""
    from starlette.concurrency import run_in_threadpool

    if not origin_ok(request.headers.get("origin"), request.headers.get("host")):
        return _error("forbidden: cross-site request", 403)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        try:
            data = await request.json()
        except ValueError:
            return _error("the body is not JSON", 400)
        if not isinstance(data, dict):
            return _error('the body must be a JSON object: {"hit", "decision", "note", "by"}', 400)
    elif ctype in FORM_TYPES or not ctype:
        form = await request.form() if ctype != "text/plain" else {}
        if not await _form_post_allowed(request, form):
            return _error("forbidden: missing or wrong CSRF token (a form post needs the "
                          f"'{CSRF_FIELD}' field of this app's page)", 403)
        data = dict(form)
    else:
        return _error(f"unsupported content type {ctype!r}; send application/json", 400)
    fields: dict[str, Any] = {k: data.get(k) for k in ("hit", "decision", "note", "by")}
    bad = [k for k in ("hit", "decision", "by") if not isinstance(fields[k], str) or not fields[k]]
    if bad:
        return _error(f"missing or not text: {', '.join(bad)}", 400)
    if fields["note"] is not None and not isinstance(fields["note"], str):
        return _error("note must be text", 400)
    every_row = data.get("every_row", False)
    if not isinstance(every_row, bool) and not isinstance(every_row, str):
        return _error("every_row must be true or false", 400)
    service = _service(request)
    try:
        hit, made = await run_in_threadpool(
            service.decide, request.path_params["run_id"], fields["hit"], fields["decision"],
            note=fields["note"] or "", by=fields["by"], every_row=every_row in (True, "1", "true", "on"))
    except NotFound as exc:
        return _error(str(exc), 404)
    except ChainscreenError as exc:
        return _error(str(exc), 400)
    body = decision_dict(made[0], hit)
    body["applied_to"] = len(made)
    return _json(body, 201)


async def api_check(request: Request) -> Response:
    """``POST /api/check``: the same JSON as ``chainscreen check --json``."""
    from starlette.concurrency import run_in_threadpool

    try:
        data = await request.json()
    except ValueError:
        return _error("the body is not JSON", 400)
    if not isinstance(data, dict):
        return _error('the body must be a JSON object: {"names": [...], "country", "hs", "goods", '
                      '"address"}', 400)
    unknown = sorted(set(data) - {"names", "country", "hs", "goods", "address"})
    if unknown:
        return _error(f"unknown field(s) {', '.join(unknown)}; use names, country, hs, goods, address", 400)
    service = _service(request)
    given: dict[str, Any] = dict(data)
    try:
        result = await run_in_threadpool(
            service.check, given.get("names"), country=given.get("country"), hs=given.get("hs"),
            goods=given.get("goods"), address=given.get("address"))
    except ChainscreenError as exc:
        return _error(str(exc), 400)
    return _json(result)


def healthz(request: Request) -> Response:
    """``GET /healthz``: the server is up and its run store answers."""
    from chainscreen.version import __version__

    service = _service(request)
    try:
        runs = service.store.count("runs")
    except ChainscreenError as exc:
        return _json({"status": "error", "error": str(exc)}, 503)
    return _json({"status": "ok", "version": __version__, "runs": runs,
                  "lists": {k: v.edition for k, v in sorted(service.reference.catalogue.items())}})


def openapi(request: Request) -> Response:
    """``GET /openapi.json``: the API described for programs."""
    from chainscreen.web.openapi import document

    return _json(document())


__all__ = ["ServeConfig", "create_app", "entry_dict"]
