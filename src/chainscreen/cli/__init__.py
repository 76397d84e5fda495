"""Command-line interface. Click lives in this package and nowhere else: parse options, call the
library, print, and map errors to exit codes (0 ok, 1 error, 2 usage, 3 hits at or above --fail-on).

One module per command group (``cmd_*.py``); each registers its commands on :data:`cli`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from chainscreen.errors import ChainscreenError, ExitCode
from chainscreen.models import LEVELS
from chainscreen.version import __version__

if TYPE_CHECKING:
    from chainscreen.config import Config

#: Terminal colour of each level (keys: :data:`chainscreen.models.LEVELS`).
LEVEL_COLOURS = dict(zip(LEVELS, ("red", "yellow", "bright_yellow", "green", "white"), strict=True))


#: Each command's module (``cmd_*.py``): imported when the command is run or listed, so
#: ``chainscreen check`` does not pay for importing what ``screen`` or ``serve`` need.
COMMANDS = {
    "bench": "cmd_bench", "check": "cmd_check", "explain": "cmd_explain", "lists": "cmd_lists",
    "report": "cmd_report", "rescreen": "cmd_runs", "review": "cmd_review", "runs": "cmd_runs",
    "screen": "cmd_screen", "serve": "cmd_serve",
}


class _Group(click.Group):
    """Turns ChainscreenError into one line on stderr and its exit code, never a traceback;
    loads each command's module (:data:`COMMANDS`) when the command is first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | (set(COMMANDS) if self is cli else set()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self is cli and cmd_name not in self.commands and cmd_name in COMMANDS:
            import importlib

            # imported for its side effect of adding its commands to ``cli``
            importlib.import_module(f"chainscreen.cli.{COMMANDS[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ChainscreenError as exc:
            # several problems (e.g. in a settings file) come one per line, each marked
            for line in str(exc).splitlines() or [""]:
                click.secho(f"error: {line}", fg="red", err=True)
            ctx.exit(int(exc.exit_code))
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (``chainscreen ... | head``): stop quietly, as Unix tools do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(int(ExitCode.ERROR))
        except Exception as exc:  # a bug, not bad input: still one line unless asked for more
            if os.environ.get("CHAINSCREEN_DEBUG"):
                raise
            click.secho(f"internal error: {type(exc).__name__}: {exc} "
                        "(set CHAINSCREEN_DEBUG=1 for the traceback)", fg="red", err=True)
            ctx.exit(int(ExitCode.ERROR))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="chainscreen")
def cli() -> None:
    """Screen supply-chain manifests for forced-labour and child-labour risk.

    \b
    Examples:
      chainscreen screen suppliers.xlsx                 # annotated workbook + HTML report
      chainscreen screen lines.csv --format json -o out # JSON for programs
      chainscreen screen lines.csv --fail-on high       # exit 3 if any row is high
      chainscreen check "Hoshine Silicon" --country CN  # one supplier, before a contract
      chainscreen lists                                 # the risk lists shipped, with editions

    Exit codes: 0 ok, 1 error, 2 usage error, 3 rows at or above --fail-on.
    """


def screening_options(subject: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options ``screen`` and ``check`` share: --settings, --lists, --max-list-age,
    --require-latest, --fail-on.

    ``subject`` names what --fail-on counts ("row", "name").
    """
    options = [
        click.option("--settings", "settings_path", type=click.Path(dir_okay=False, path_type=Path),
                     help="A chainscreen.toml with weights, cut points and thresholds."),
        click.option("--lists", "lists", multiple=True, metavar="ID[@EDITION]",
                     help="Use only these lists (repeatable; pin an edition with @). Default: all, newest."),
        click.option("--max-list-age", type=click.IntRange(min=0), metavar="DAYS",
                     help="Fail (exit 1) if a risk list in use is older than DAYS, e.g. 730; "
                          "`chainscreen lists status` shows ages."),
        click.option("--require-latest", is_flag=True,
                     help="Fail (exit 1) if a risk list in use is older than, or only part of, "
                          "the latest publication chainscreen knows of; `chainscreen lists "
                          "status` says which and how to import it."),
        click.option("--fail-on", type=click.Choice(["high", "elevated", "low"]),
                     help=f"Exit with code 3 when any {subject} is at or above this level."),
    ]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def exit_on_hits(counts: Mapping[str, int], fail_on: str | None) -> None:
    """Exit with code 3 when any row is at or above the ``--fail-on`` level."""
    if fail_on and any(counts.get(level) for level in LEVELS[: LEVELS.index(fail_on) + 1]):
        sys.exit(int(ExitCode.HITS))


def config() -> Config:
    """Where this invocation keeps its data, read from the environment once (at the first use)."""
    from chainscreen.config import Config

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return Config.from_env()
    root = ctx.find_root()
    if "chainscreen.config" not in root.meta:
        root.meta["chainscreen.config"] = Config.from_env()
    cfg: Config = root.meta["chainscreen.config"]
    return cfg


def reference_args() -> dict[str, Any]:
    """``root`` and ``user`` for the reference-list functions, from :func:`config`."""
    cfg = config()
    return {"root": cfg.reference_dir, "user": cfg.lists_dir}


def reference(lists: Sequence[str] | None) -> Any:
    """The reference lists (``lists`` selects and pins) from the folders of :func:`config`."""
    from chainscreen.reference import load_reference

    return load_reference(lists=lists, **reference_args())


def store_url(db: str | None) -> str:
    """``--db`` (or ``$CHAINSCREEN_DB``), else the default database of :func:`config`."""
    return db or config().store_url


def load_settings_checked(settings_path: Path | None, lists: tuple[str, ...],
                          max_list_age: int | None, require_latest: bool = False) -> Any:
    """Settings from --settings and --lists; with --max-list-age, fail when a list in use is
    older; with --require-latest, when one is behind the latest known publication."""
    from chainscreen.settings import load_settings

    settings = load_settings(settings_path, lists=list(lists) or None)
    if max_list_age is not None or require_latest:
        from chainscreen.reference import check_latest, check_list_ages

        ref = reference(settings.lists)
        if max_list_age is not None:
            check_list_ages(ref, max_list_age)
        if require_latest:
            check_latest(ref)
    return settings


def main() -> None:
    """Console-script entry point (``chainscreen``, ``python -m chainscreen``)."""
    try:
        cli(prog_name="chainscreen")
    finally:
        # The process ends here, and the interpreter's last act would be a full collection of
        # every object still alive: a check's screening context, a run's memos and match index
        # (50 ms of a 0.35 s check, 0.35 s after a 10^6-row run). Nothing needs it by now —
        # outputs, the store and the workers are closed, and the memory goes back to the system
        # anyway — so the survivors are frozen out of it (gc.freeze: no collection looks at
        # them again). Module teardown and exit handlers run as ever.
        import gc

        gc.freeze()
