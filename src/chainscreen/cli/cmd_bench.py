"""`chainscreen bench`: measurements of the engine (``bench match``: matching quality and speed)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from chainscreen.cli import cli


@cli.group()
def bench() -> None:
    """Measure chainscreen on your own data or on the shipped benchmark data.

    \b
    Examples:
      chainscreen bench match
      chainscreen bench match my_pairs.csv --scores scored.csv
    """


def _fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


@bench.command("match")
@click.argument("pairs", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--scores", "scores_out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every input pair back with chainscreen's score and decision.")
@click.option("--force", is_flag=True, help="Overwrite the --scores file if it exists.")
@click.option("--settings", "settings_path", type=click.Path(exists=True, dir_okay=False),
              help="chainscreen.toml with match_threshold / review_threshold.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20),
              help="Cross-validation folds for the threshold stability figures.")
@click.option("--speed/--no-speed", default=True, show_default=True,
              help="Also time stage 1, stage 2 and a synthetic end-to-end run.")
@click.option("--parties", default=50_000, show_default=True, type=click.IntRange(1),
              help="Synthetic parties for the end-to-end speed run.")
@click.option("--list-size", default=20_000, show_default=True, type=click.IntRange(1),
              help="Synthetic list names for the end-to-end speed run.")
def bench_match(pairs: Path | None, scores_out: Path | None, force: bool, settings_path: str | None, folds: int,
                speed: bool, parties: int, list_size: int) -> None:
    """Matching quality on labelled organisation name pairs, beside open matchers, and speed.

    PAIRS is a CSV with left_name, right_name, label (1 same entity, 0 different) and
    optionally left_country, right_country, source, script, kind (rows whose kind is not
    "org" are skipped). Default: the development pairs in benchmarks/data/dev_pairs.csv.
    Prints ROC AUC and precision / recall / F1 at the configured thresholds and at the best
    one, by source and script, for chainscreen, rapidfuzz token_sort_ratio and WRatio and,
    when installed (pip install 'chainscreen[bench]'), nomenklatura logic-v2.

    \b
    Examples:
      chainscreen bench match
      chainscreen bench match pairs.csv --scores pairs_scored.csv --no-speed
      chainscreen bench match --parties 5000 --list-size 2000
    """
    from chainscreen import bench as lib
    from chainscreen.files import check_writable
    from chainscreen.settings import load_settings

    settings = load_settings(settings_path)
    path = pairs or lib.DEFAULT_PAIRS
    if scores_out is not None:
        check_writable(scores_out, force)
    data = lib.load_pairs(path)
    n_pos = sum(p.label for p in data)
    click.echo(f"{path.name}: {len(data)} organisation pairs ({n_pos} match, {len(data) - n_pos} "
               f"non-match); thresholds review {settings.review_threshold}, match "
               f"{settings.match_threshold}")
    results = lib.compare_systems(data, settings)
    click.echo("")
    click.echo(f"{'system':<24} {'AUC':>6} {'best F1':>8} {'at':>6} {'P':>6} {'R':>6} {'pairs/s':>9}")
    for r in results:
        rate = len(data) / r.seconds if r.seconds else 0.0
        click.echo(f"{r.name:<24} {_fmt(r.auc)} {r.best.f1:8.3f} {r.best.threshold:6.3f} "
                   f"{r.best.precision:6.3f} {r.best.recall:6.3f} {rate:9.0f}")
    engine = results[0]
    for label, prf in (("review", engine.at_review), ("match", engine.at_match)):
        if prf is not None:
            click.echo(f"chainscreen at {label} threshold {prf.threshold:.2f}: precision "
                       f"{prf.precision:.3f}, recall {prf.recall:.3f}, F1 {prf.f1:.3f}")
    for attr in ("source", "script"):
        click.echo("")
        click.echo(f"by {attr} (AUC; chainscreen P/R/F1 at review threshold)")
        names = list(engine.groups[attr])
        click.echo(f"{attr:<34} {'n':>4} " + " ".join(f"{r.name[:14]:>14}" for r in results)
                   + f" {'P':>6} {'R':>6} {'F1':>6}")
        for key in names:
            aucs = " ".join(f"{_fmt(r.groups[attr][key][0]):>14}" for r in results)
            _auc, prf, n = engine.groups[attr][key]
            click.echo(f"{key:<34} {n:>4} {aucs} {prf.precision:6.3f} {prf.recall:6.3f} {prf.f1:6.3f}")
    folds_res = lib.cross_validate(data, engine.scores, k=folds)
    click.echo("")
    click.echo(f"{folds}-fold cross-validation (threshold chosen on the other folds)")
    for f in folds_res:
        click.echo(f"  fold {f.fold}: n={f.size:<4} AUC {_fmt(f.auc)}  threshold {f.threshold:.3f}  "
                   f"P {f.test.precision:.3f} R {f.test.recall:.3f} F1 {f.test.f1:.3f}")
    f1s = [f.test.f1 for f in folds_res]
    aucs_f = [f.auc for f in folds_res if f.auc is not None]
    click.echo(f"  F1 mean {sum(f1s) / len(f1s):.3f} (min {min(f1s):.3f}, max {max(f1s):.3f}); "
               f"AUC mean {sum(aucs_f) / max(len(aucs_f), 1):.3f} "
               f"(min {min(aucs_f, default=0):.3f}, max {max(aucs_f, default=0):.3f})")
    if scores_out is not None:
        lib.write_scores(scores_out, data, engine.scores, settings)
        click.echo(f"\nwrote {scores_out}")
    if speed:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        click.echo(f"\nspeed: {parties} SYNTHETIC parties against {list_size} SYNTHETIC list names "
                   f"({os.cpu_count()} cores, load average {load:.2f})")
        s = lib.measure_speed(parties, list_size)
        click.echo(f"  index build   {s.build_seconds:7.2f} s  ({s.list_names} list names)")
        click.echo(f"  stage 1       {s.stage1_seconds:7.2f} s  {s.stage1_pairs / s.stage1_seconds / 1e6:9.1f} "
                   f"M pairs/s ruled in or out; {s.stage1_candidates / s.parties:.1f} candidates per party")
        click.echo(f"  stage 2       {s.stage2_seconds:7.2f} s  {s.stage2_pairs / s.stage2_seconds:9.0f} "
                   f"pairs/s scored")
        click.echo(f"  end to end    {s.end_to_end_seconds:7.2f} s  (fresh matcher, raw names, "
                   f"normalisation included)")
