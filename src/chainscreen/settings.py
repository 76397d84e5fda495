"""All tunable numbers in one frozen dataclass, loaded from ``chainscreen.toml`` or defaults in code."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from chainscreen.errors import SettingsError

DEFAULT_WEIGHTS: dict[str, float] = {
    # supplier on an enforcement entity list: decisive (see score.py: a match forces "high")
    "entity_list": 1.0,
    "watchlist": 0.8,
    # DOL TVPRA list: goods x origin country
    "goods_forced_labour": 0.6,
    "goods_child_labour": 0.45,
    # listed because an input was made with forced or child labour (DOL "derived" goods)
    "goods_derived": 0.45,
    # UFLPA high-priority sector with origin China, or Xinjiang named in the row
    "uflpa_sector": 0.5,
    "xinjiang": 0.9,
    # country-level context
    "tip_tier": 0.3,
    "child_labour_assessment": 0.2,
    # CBP WRO/Findings on the merchandise from the origin country (no entity named)
    "wro_merchandise": 0.35,
}

#: Strength of an evidence item by what the list says: the TIP tier, the DOL advancement level
#: of a child-labour assessment (first words of the label), the status of a CBP WRO/Finding.
#: docs/SCORING.md gives the reasoning. A TIP country absent from the list is Tier 1 or 2 and
#: gets no item (never an invented tier).
DEFAULT_STRENGTHS: dict[str, dict[str, float]] = {
    "tip_tier": {"Tier 3": 1.0, "Tier 2 Watch List": 0.6, "Special Case": 0.6},
    "child_labour_advancement": {
        "no advancement": 1.0, "minimal advancement": 0.6, "moderate advancement": 0.3,
        "significant advancement": 0.1,
    },
    "wro_status": {"active": 1.0, "partially modified": 0.5},
}


@dataclass(frozen=True, slots=True)
class ScorerParams:
    """The weights of the name scorer (``chainscreen.match``), table ``[scorer]`` in chainscreen.toml.

    Defaults: chosen by 5-fold cross-validation on the development pairs (docs/MATCHING.md).
    """

    generic_weight: float = 0.35  # a generic word ("trading", "textile") against a distinctive one
    place_weight: float = 0.5  # a place word ("xinjiang", "spain")
    stop_weight: float = 0.1  # "of", "the", "and"
    extra_factor: float = 0.5  # words only one name has, relative to their weight
    conflict_factor: float = 1.5  # words both names have unmatched (they differ)
    no_distinctive_factor: float = 0.55  # nothing distinctive in common
    number_conflict: float = 0.65  # both names numbered, numbers differ
    number_extra: float = 0.85  # only one name has a number
    joined_floor: float = 0.55  # the joined-spelling similarity that maps to score 0
    abbreviation_score: float = 0.7  # a short name spelt inside the other ("WMT" / "Walmart")
    legal_conflict: float = 0.05  # legal forms of different kinds ("L.P." / "Inc.")
    country_agree: float = 0.03
    country_conflict: float = 0.10
    # caps: the default review threshold is 0.75, the match threshold 0.88
    country_cap: float = 0.85  # known countries differ: below match
    qualifier_cap: float = 0.85  # a country or city qualifies one name only: below match
    legal_cap: float = 0.85  # legal forms of different kinds or jurisdictions: below match
    weak_cap: float = 0.80  # only initials of a listed acronym: review at most
    acronym_cap: float = 0.70  # only the supplier's short form (initials, abbreviation): below review


#: The default scorer parameters, one shared object (the scorer caches per-kind weights for it).
DEFAULT_SCORER = ScorerParams()


@dataclass(frozen=True)
class Settings:
    """Thresholds and weights. Every run records :meth:`digest` so results can be reproduced."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    # strength of an item by the list's own grading (see DEFAULT_STRENGTHS)
    strengths: dict[str, dict[str, float]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_STRENGTHS.items()})
    # score cut points (0..100): score >= high -> "high", >= elevated -> "elevated", > 0 -> "low"
    cut_high: float = 70.0
    cut_elevated: float = 40.0
    cut_low: float = 0.0
    # entity matching thresholds on the matcher's 0..1 score
    match_threshold: float = 0.88
    review_threshold: float = 0.75
    candidate_floor: float = 0.55
    top_k: int = 5
    # list ids to use (None = every shipped list, newest edition)
    lists: tuple[str, ...] | None = None
    # the name scorer's weights (table [scorer])
    scorer: ScorerParams = field(default_factory=lambda: DEFAULT_SCORER)

    def digest(self) -> str:
        """sha256 of the canonical JSON form of these settings."""
        blob = json.dumps(asdict(self), sort_keys=True, default=list).encode()
        return hashlib.sha256(blob).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, for receipts."""
        return asdict(self)


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then ``path`` (a ``chainscreen.toml``) if given, then keyword overrides."""
    settings = Settings()
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"{path}: settings file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
        settings = _apply(settings, data.get("chainscreen", data), str(path))
    clean = {k: v for k, v in overrides.items() if v is not None}
    return _apply(settings, clean, "options") if clean else settings


def _apply(settings: Settings, data: dict[str, Any], origin: str) -> Settings:
    known = {f.name for f in fields(Settings)}
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise SettingsError(f"{origin}: unknown setting {key!r} (known: {', '.join(sorted(known))})")
        if key == "weights":
            if not isinstance(value, dict):
                raise SettingsError(f"{origin}: weights must be a table of name = number")
            weights = dict(settings.weights)
            for name, w in value.items():
                if name not in DEFAULT_WEIGHTS:
                    raise SettingsError(
                        f"{origin}: unknown weight {name!r} (known: {', '.join(DEFAULT_WEIGHTS)})")
                if not isinstance(w, int | float) or not 0 <= w <= 1:
                    raise SettingsError(f"{origin}: weight {name} must be a number in [0, 1]")
                weights[name] = float(w)
            changes["weights"] = weights
        elif key == "strengths":
            if not isinstance(value, dict):
                raise SettingsError(f"{origin}: strengths must be tables of label = number")
            strengths = {k: dict(v) for k, v in settings.strengths.items()}
            for table, entries in value.items():
                if table not in DEFAULT_STRENGTHS or not isinstance(entries, dict):
                    raise SettingsError(f"{origin}: unknown strengths table {table!r} "
                                        f"(known: {', '.join(DEFAULT_STRENGTHS)})")
                for label, number in entries.items():
                    if isinstance(number, bool) or not isinstance(number, int | float) or not 0 <= number <= 1:
                        raise SettingsError(f"{origin}: strengths.{table}.{label} must be a number in [0, 1]")
                    strengths[table][str(label)] = float(number)
            changes["strengths"] = strengths
        elif key == "lists":
            changes["lists"] = tuple(value) if value else None
        elif key == "scorer":
            changes["scorer"] = _scorer(settings.scorer, value, origin)
        else:
            changes[key] = value
    new = replace(settings, **changes)
    if not 0 <= new.cut_low <= new.cut_elevated <= new.cut_high <= 100:
        raise SettingsError(f"{origin}: cut points must satisfy 0 <= cut_low <= cut_elevated <= cut_high <= 100")
    if not 0 <= new.candidate_floor <= new.review_threshold <= new.match_threshold <= 1:
        raise SettingsError(
            f"{origin}: thresholds must satisfy 0 <= candidate_floor <= review_threshold <= match_threshold <= 1")
    return new


def _scorer(current: ScorerParams, value: Any, origin: str) -> ScorerParams:
    """``current`` with the numbers of a ``[scorer]`` table."""
    known = {f.name for f in fields(ScorerParams)}
    if not isinstance(value, dict):
        raise SettingsError(f"{origin}: scorer must be a table of name = number")
    for name, number in value.items():
        if name not in known:
            raise SettingsError(f"{origin}: unknown scorer parameter {name!r} (known: {', '.join(sorted(known))})")
        if isinstance(number, bool) or not isinstance(number, int | float) or not 0 <= number <= 5:
            raise SettingsError(f"{origin}: scorer parameter {name} must be a number in [0, 5]")
    if not value:
        return current
    return replace(current, **{k: float(v) for k, v in value.items()})
