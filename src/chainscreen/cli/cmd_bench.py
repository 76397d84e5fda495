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
      chainscreen bench fp
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
@click.option("--tune", is_flag=True,
              help="Also search the scorer's weights (a small grid) with nested cross-validation.")
def bench_match(pairs: Path | None, scores_out: Path | None, force: bool, settings_path: str | None, folds: int,
                speed: bool, parties: int, list_size: int, tune: bool) -> None:
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
      chainscreen bench match --tune --no-speed
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
    if tune:
        tuned, chosen = lib.tune(data, settings.scorer, k=folds)
        click.echo("")
        click.echo(f"weights tuned by nested {folds}-fold cross-validation (grid: "
                   + "; ".join(f"{k} {'/'.join(f'{v:g}' for v in vs)}" for k, vs in lib.TUNING_GRID.items())
                   + "), chosen on the other folds by ROC AUC")
        for t in tuned:
            weights = ", ".join(f"{k} {v:g}" for k, v in t.chosen.items())
            click.echo(f"  fold {t.fold}: n={t.size:<4} {weights}; AUC train {t.train_auc:.3f} test "
                       f"{_fmt(t.auc)}; threshold {t.threshold:.3f} F1 {t.test.f1:.3f}")
        t_aucs = [t.auc for t in tuned if t.auc is not None]
        t_f1s = [t.test.f1 for t in tuned]
        click.echo(f"  test AUC mean {sum(t_aucs) / max(len(t_aucs), 1):.3f} (min {min(t_aucs, default=0):.3f}); "
                   f"F1 mean {sum(t_f1s) / len(t_f1s):.3f} (min {min(t_f1s):.3f})")
        click.echo("  chosen on all pairs: " + ", ".join(f"{k} = {v:g}" for k, v in chosen.items())
                   + "  (current: " + ", ".join(f"{k} = {getattr(settings.scorer, k):g}" for k in chosen) + ")")
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


@bench.command("fp")
@click.option("--names", "names_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of real organisation names (name, country, source). Default: "
                   "tests/data/real_names/names.csv.")
@click.option("--ofac", "ofac_path", type=click.Path(dir_okay=False, path_type=Path),
              help="An OFAC SDN file screened beside the shipped lists. Default: the full SDN file "
                   "of the shared reference data, when present.")
@click.option("--hits", "hits_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Judged hits CSV (name, record_id, verdict, reason ...). Default: "
                   "tests/data/real_name_hits.csv.")
@click.option("--write-hits", "write_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every hit at review or above, with the judgements found in --hits "
                   "(new hits with an empty verdict, to be judged by hand).")
@click.option("--settings", "settings_path", type=click.Path(exists=True, dir_okay=False),
              help="chainscreen.toml with thresholds and [scorer] weights.")
def bench_fp(names_path: Path | None, ofac_path: Path | None, hits_path: Path | None,
             write_path: Path | None, settings_path: str | None) -> None:
    """False positives on real supplier names: hits per 1,000 names at match and review level.

    Screens real organisation names from public sources (see tests/data/real_names/PROVENANCE.md)
    against every shipped entity list plus an OFAC SDN file, and counts the hits by the
    judgements in the hits file: false (another entity), true (the listed entity or its group),
    unsure, or not yet judged. Exits 1 when a hit has not been judged.

    \b
    Examples:
      chainscreen bench fp
      chainscreen bench fp --write-hits new_hits.csv
      chainscreen bench fp --names my_suppliers.csv --ofac sdn.csv
    """
    from chainscreen import bench as lib
    from chainscreen.reference import load_reference
    from chainscreen.settings import load_settings

    settings = load_settings(settings_path)
    names = lib.load_real_names(names_path or lib.DEFAULT_REAL_NAMES)
    reference = load_reference(user=False)
    records = list(reference.entities)
    lists = ", ".join(sorted({r.list_id for r in records}))
    ofac = ofac_path or (lib.DEFAULT_OFAC if lib.DEFAULT_OFAC.exists() else None)
    if ofac is not None:
        records += lib.ofac_records(ofac)
        lists += f", OFAC SDN ({ofac.name})"
    else:
        click.echo("note: no OFAC SDN file (give --ofac): shipped lists only")
    hits, matcher, seconds = lib.screen_real_names(names, records, settings)
    judged = lib.load_judgements(hits_path or lib.DEFAULT_HITS)
    by_source: dict[str, int] = {}
    for n in names:
        by_source[n.source or "-"] = by_source.get(n.source or "-", 0) + 1
    click.echo(f"{len(names)} real names ({', '.join(f'{k} {v}' for k, v in sorted(by_source.items()))})")
    click.echo(f"against {len(records)} list records ({lists}): {matcher.size} names and aliases "
               f"indexed, {matcher.skipped} records left out as vessels, aircraft or people; "
               f"{seconds:.1f} s")
    click.echo(f"thresholds review {settings.review_threshold}, match {settings.match_threshold}")
    click.echo("")
    click.echo(f"{'level':<18} {'hits':>5} {'names':>6} {'false':>6} {'true':>5} {'unsure':>7} "
               f"{'unjudged':>9} {'false / 1,000 names':>20}")
    for lv in lib.fp_levels(hits, judged):
        label = "match" if lv.level == "match" else "review or above"
        click.echo(f"{label:<18} {lv.hits:>5} {lv.names:>6} {lv.false:>6} {lv.true:>5} {lv.unsure:>7} "
                   f"{lv.unjudged:>9} {lv.per_thousand(len(names), lv.false):>20.2f}")
    if hits:
        click.echo("")
        for h in sorted(hits, key=lambda h: -h.score):
            verdict, reason = judged.get(h.key, ("", ""))
            click.echo(f"  {h.score:.3f} {h.decision:<6} {verdict or 'UNJUDGED':<8} {h.name.name} -> "
                       f"{h.record.name} ({h.record.list_id})" + (f": {reason}" if reason else ""))
    if write_path is not None:
        lib.write_hits(write_path, hits, judged)
        click.echo(f"\nwrote {write_path}")
    if any(h.key not in judged or not judged[h.key][0] for h in hits):
        click.echo("some hits are not judged: write them with --write-hits and judge them by hand",
                   err=True)
        raise SystemExit(1)
