"""`chainscreen serve`: the local review web app over the run store."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import click

from chainscreen.cli import cli
from chainscreen.cli.cmd_runs import db_option


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but this machine needs --token.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--token", envvar="CHAINSCREEN_TOKEN", metavar="TOKEN",
              help="Require this token on every request (Authorization: Bearer, or open the "
                   "printed address once in a browser). Env: CHAINSCREEN_TOKEN.")
@click.option("--open", "open_browser", is_flag=True, help="Open the app in the default browser.")
@click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
              help="A chainscreen.toml for the pre-contract check (POST /api/check).")
@click.option("--lists", "lists", multiple=True, metavar="ID[@EDITION]",
              help="Lists the pre-contract check uses (repeatable; default: all, newest).")
def serve(db: str | None, host: str, port: int, token: str | None, open_browser: bool,
          settings_path: Path | None, lists: tuple[str, ...]) -> None:
    """Review stored runs in the browser: queue, hit pages, decisions, reviewed downloads.

    Serves the run database (--db) on http://127.0.0.1:8765 until Ctrl+C. Decisions made there
    are the same as `chainscreen review --decide` and change the reviewed outputs (download
    them from a run's page, or `chainscreen report --run N`). The JSON API is described at
    /openapi.json. Works offline: the pages load nothing from elsewhere.

    \b
    Examples:
      chainscreen serve --open
      chainscreen serve --db sqlite:///team-runs.sqlite --port 9000
      CHAINSCREEN_TOKEN=s3cret chainscreen serve --host 0.0.0.0
      curl -s localhost:8765/api/runs
    """
    try:
        import uvicorn
    except ImportError:
        raise click.ClickException("the review app needs its extra: pip install 'chainscreen[web]'") from None
    from chainscreen.cli import reference, reference_args, store_url
    from chainscreen.settings import load_settings
    from chainscreen.store import display_url, open_store
    from chainscreen.web.app import ServeConfig, create_app
    from chainscreen.web.security import is_local, new_secret

    if not is_local(host) and not token:
        raise click.UsageError(f"--host {host} lets other machines reach the app: give --token "
                               "(or set CHAINSCREEN_TOKEN); e.g. --token " + new_secret())
    settings = load_settings(settings_path, lists=list(lists) or None)
    reviewer = os.environ.get("CHAINSCREEN_REVIEWER", "")
    store = open_store(store_url(db))
    click.echo("Loading the lists for the pre-contract check ...", err=True)
    app = create_app(store, ServeConfig(host=host, token=token, reviewer=reviewer), settings=settings,
                     reference=reference(settings.lists), reference_args=reference_args())
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"

    def announce() -> None:
        # the port is known once the server listens (--port 0 picks one)
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if not server.started:
            return
        bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
        url = f"http://{shown}:{bound}/"
        click.echo(f"chainscreen review on {url} (run store {display_url(store.url)}); Ctrl+C stops it",
                   err=True)
        if token:
            click.echo(f"open {url}?token=<token> once in a browser; programs send "
                       "'Authorization: Bearer <token>'", err=True)
        if open_browser:
            import webbrowser

            webbrowser.open(url + (f"?token={token}" if token else ""))

    threading.Thread(target=announce, daemon=True).start()
    try:
        server.run()
    finally:
        store.close()
