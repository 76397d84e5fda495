"""All tunable numbers in one frozen dataclass, loaded from ``chainscreen.toml`` or defaults in code."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, time
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


#: The highest level each evidence kind can support on its own (docs/SCORING.md, "Levels capped
#: by evidence"): a row's level is at most the highest cap among its items. ``high`` means "act now
#: on this supplier", so it needs evidence about the supplier itself: an entity-list or watchlist
#: match, or a Xinjiang nexus in the row. Goods-and-country evidence describes a sector, not the
#: supplier (at most ``elevated``); a country's TIP tier or child-labour assessment describes a
#: government's record (at most ``low``).
DEFAULT_LEVEL_CAPS: dict[str, str] = {
    "entity_list": "high",
    "watchlist": "high",
    "xinjiang": "high",
    "goods_forced_labour": "elevated",
    "goods_child_labour": "elevated",
    "goods_derived": "elevated",
    "uflpa_sector": "elevated",
    "wro_merchandise": "elevated",
    "tip_tier": "low",
    "child_labour_assessment": "low",
}

#: The levels a cap may name, highest first.
CAP_LEVELS: tuple[str, ...] = ("high", "elevated", "low")

#: Evidence kinds about the supplier itself; below match strength (a review-level name
#: candidate) they are capped at ``Settings.review_cap``.
ENTITY_KINDS: frozenset[str] = frozenset({"entity_list", "watchlist"})


@dataclass(frozen=True, slots=True)
class ScorerParams:
    """The weights of the name scorer (``chainscreen.match``), table ``[scorer]`` in chainscreen.toml.

    Defaults: chosen by 5-fold cross-validation on the development pairs (docs/MATCHING.md).
    """

    generic_weight: float = 0.35  # a generic word ("trading", "textile") against a distinctive one
    place_weight: float = 0.5  # a place word ("xinjiang", "spain")
    stop_weight: float = 0.1  # "of", "the", "and"
    extra_factor: float = 1.1  # words only one name has, relative to their weight
    conflict_factor: float = 4.0  # words both names have unmatched (they differ)
    no_distinctive_factor: float = 0.25  # nothing distinctive in common
    number_conflict: float = 0.65  # both names numbered, numbers differ
    number_extra: float = 0.85  # only one name has a number
    joined_floor: float = 0.55  # the joined-spelling similarity that maps to score 0
    abbreviation_score: float = 0.7  # a short name spelt inside the other ("WMT" / "Walmart")
    brand_score: float = 0.5  # a Chinese name's pinyin word taken for a Latin brand (see brand_word)
    legal_conflict: float = 0.05  # legal forms of different kinds ("L.P." / "Inc.")
    country_agree: float = 0.03
    country_conflict: float = 0.10
    # caps: the default review threshold is 0.75, the match threshold 0.88
    country_cap: float = 0.85  # known countries differ: below match
    qualifier_cap: float = 0.85  # a country or city qualifies one name only: below match
    legal_cap: float = 0.85  # legal forms of different kinds or jurisdictions: below match
    differ_cap: float = 0.70  # each name has words the other lacks: below review
    extra_cap: float = 0.85  # one name has words the other lacks and no country agrees: below match
    extra_cap_distinct: float = 0.72  # ... and a lacking word is distinctive: below review
    weak_cap: float = 0.80  # only initials of a listed acronym: review at most
    acronym_cap: float = 0.70  # only the supplier's short form (initials, abbreviation): below review
    one_word_cap: float = 0.70  # one word in common and other words differ: below review
    pinyin_cap: float = 0.85  # a Chinese name's one distinctive word in common is pinyin: below match
    misspelt_cap: float = 0.70  # only misspelt words in common ("Sharp" / "Shary"): below review


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
    # the highest level each evidence kind supports on its own (DEFAULT_LEVEL_CAPS); a kind not
    # named is capped at "low"
    level_caps: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LEVEL_CAPS))
    # an entity or watchlist candidate below the match threshold (needs review) supports at most this
    review_cap: str = "elevated"
    # entity matching thresholds on the matcher's 0..1 score
    match_threshold: float = 0.88
    review_threshold: float = 0.75
    candidate_floor: float = 0.55
    top_k: int = 5
    # list ids to use (None = every shipped list, newest edition)
    lists: tuple[str, ...] | None = None
    # the name scorer's weights (table [scorer])
    scorer: ScorerParams = field(default_factory=lambda: DEFAULT_SCORER)
    # a manifest without a supplier or a country column is an error rather than a partial screen
    # (`screen --strict`)
    strict: bool = False

    def digest(self) -> str:
        """sha256 of the canonical JSON form of these settings."""
        blob = json.dumps(asdict(self), sort_keys=True, default=list).encode()
        return hashlib.sha256(blob).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, for receipts."""
        return asdict(self)


#: Allowed range per number setting, inclusive (a schema: every setting's type comes from
#: the dataclass field, its range from here).
RANGES: dict[str, tuple[float, float]] = {
    "cut_high": (0, 100), "cut_elevated": (0, 100), "cut_low": (0, 100),
    "match_threshold": (0, 1), "review_threshold": (0, 1), "candidate_floor": (0, 1),
    # each party keeps at most this many candidates; a few dozen is already more than a
    # reviewer reads, and the matcher's work grows with it
    "top_k": (1, 100),
}
#: What a list selection may look like: ``id`` or ``id@edition``.
_LIST_REF = re.compile(r"[^\s@]{1,63}(@[^\s@]{1,40})?")


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Defaults, then ``path`` (a ``chainscreen.toml``) if given, then keyword overrides.

    Every value is checked against its setting's type and range; a SettingsError lists every
    problem found, one line each, naming the file (or "options") and the setting.
    """
    settings = Settings()
    if path is not None:
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            raise SettingsError(f"{path}: settings file not found") from None
        except OSError as exc:
            raise SettingsError(f"{path}: cannot read the settings file ({exc.strerror})") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            hint = " (it looks like UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
            raise SettingsError(f"{path}: not UTF-8 text{hint}; TOML files are UTF-8") from None
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from None
        table = data.get("chainscreen", data)
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: [chainscreen] must be a table of settings")
        settings = _apply(settings, table, str(path))
    clean = {k: v for k, v in overrides.items() if v is not None}
    return _apply(settings, clean, "options") if clean else settings


def _describe(value: Any) -> str:
    kind = {bool: "true/false", str: "text", list: "an array", tuple: "an array",
            dict: "a table"}.get(type(value))
    if kind is None:
        kind = "a date/time" if isinstance(value, date | time) else type(value).__name__
    shown = repr(value)
    return f"{kind} {shown[:40] + '...' if len(shown) > 40 else shown}"


def _number(name: str, value: Any, *, integer: bool) -> tuple[float | int | None, str | None]:
    """The value as the setting's number type, or an error phrase."""
    low, high = RANGES.get(name, (float("-inf"), float("inf")))
    what = "a whole number" if integer else "a number"
    bounds = f" from {low:g} to {high:g}" if name in RANGES else ""
    if isinstance(value, bool) or not isinstance(value, int | float) or (
            integer and not isinstance(value, int)):
        return None, f"must be {what}{bounds}, not {_describe(value)}"
    if isinstance(value, float) and value != value:
        return None, f"must be {what}{bounds}, not nan"
    if not low <= value <= high:
        return None, f"must be {what}{bounds}, not {value!r}"
    return (int(value) if integer else float(value)), None


def _apply(settings: Settings, data: dict[str, Any], origin: str) -> Settings:
    known = {f.name: f for f in fields(Settings)}
    changes: dict[str, Any] = {}
    errors: list[str] = []
    for key, value in data.items():
        if key not in known:
            errors.append(f"unknown setting {key!r} (known: {', '.join(sorted(known))})")
        elif key == "weights":
            if not isinstance(value, dict):
                errors.append(f"weights must be a table of name = number, not {_describe(value)}")
                continue
            weights = dict(settings.weights)
            for name, w in value.items():
                if name not in DEFAULT_WEIGHTS:
                    errors.append(f"unknown weight {name!r} (known: {', '.join(DEFAULT_WEIGHTS)})")
                elif isinstance(w, bool) or not isinstance(w, int | float) or not 0 <= w <= 1:
                    errors.append(f"weight {name} must be a number in [0, 1], not {_describe(w)}")
                else:
                    weights[name] = float(w)
            changes["weights"] = weights
        elif key == "strengths":
            if not isinstance(value, dict):
                errors.append(f"strengths must be tables of label = number, not {_describe(value)}")
                continue
            strengths = {k: dict(v) for k, v in settings.strengths.items()}
            for table, entries in value.items():
                if table not in DEFAULT_STRENGTHS or not isinstance(entries, dict):
                    errors.append(f"unknown strengths table {table!r} "
                                  f"(known: {', '.join(DEFAULT_STRENGTHS)})")
                    continue
                for label, number in entries.items():
                    if isinstance(number, bool) or not isinstance(number, int | float) or not 0 <= number <= 1:
                        errors.append(f"strengths.{table}.{label} must be a number in [0, 1], "
                                      f"not {_describe(number)}")
                    else:
                        strengths[table][str(label)] = float(number)
            changes["strengths"] = strengths
        elif key == "level_caps":
            if not isinstance(value, dict):
                raise SettingsError(f"{origin}: level_caps must be a table of evidence kind = level")
            caps = dict(settings.level_caps)
            for kind, level in value.items():
                if kind not in DEFAULT_LEVEL_CAPS:
                    known_kinds = ", ".join(DEFAULT_LEVEL_CAPS)
                    raise SettingsError(
                        f"{origin}: unknown evidence kind {kind!r} in level_caps (known: {known_kinds})")
                if level not in CAP_LEVELS:
                    raise SettingsError(f"{origin}: level_caps.{kind} must be one of {', '.join(CAP_LEVELS)}")
                caps[kind] = str(level)
            changes["level_caps"] = caps
        elif key == "review_cap":
            if value not in CAP_LEVELS:
                raise SettingsError(f"{origin}: review_cap must be one of {', '.join(CAP_LEVELS)}")
            changes["review_cap"] = str(value)
        elif key == "lists":
            if isinstance(value, str):
                # a bare string would be read as one list per character
                value = [value]
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                errors.append(f"lists must be an array of list ids (e.g. [\"dol-tvpra\", "
                              f"\"uflpa-entity-list@2026-07-09\"]), not {_describe(value)}")
                continue
            bad = [v for v in value if not _LIST_REF.fullmatch(v.strip())]
            if bad:
                errors.append(f"lists: {bad[0][:60]!r} is not a list id or ID@EDITION (see "
                              "`chainscreen lists`)")
                continue
            changes["lists"] = tuple(v.strip() for v in value) if value else None
        elif key == "scorer":
            scorer, problems = _scorer(settings.scorer, value)
            errors.extend(problems)
            changes["scorer"] = scorer
        elif key == "strict":
            if not isinstance(value, bool):
                errors.append(f"strict must be true or false, not {_describe(value)}")
            else:
                changes["strict"] = value
        else:
            kind = str(known[key].type)
            number, problem = _number(key, value, integer=kind == "int")
            if problem:
                errors.append(f"{key} {problem}")
            elif kind in ("int", "float"):
                changes[key] = number
            else:  # pragma: no cover - a new setting must say how it is checked
                errors.append(f"{key}: no rule to check this setting")
    if errors:
        raise SettingsError("\n".join(f"{origin}: {e}" for e in errors))
    new = replace(settings, **changes)
    if not 0 <= new.cut_low <= new.cut_elevated <= new.cut_high <= 100:
        errors.append("cut points must satisfy 0 <= cut_low <= cut_elevated <= cut_high <= 100 "
                      f"(they are {new.cut_low:g}, {new.cut_elevated:g}, {new.cut_high:g})")
    if not 0 <= new.candidate_floor <= new.review_threshold <= new.match_threshold <= 1:
        errors.append("thresholds must satisfy 0 <= candidate_floor <= review_threshold <= "
                      f"match_threshold <= 1 (they are {new.candidate_floor:g}, "
                      f"{new.review_threshold:g}, {new.match_threshold:g})")
    if errors:
        raise SettingsError("\n".join(f"{origin}: {e}" for e in errors))
    return new


def _scorer(current: ScorerParams, value: Any) -> tuple[ScorerParams, list[str]]:
    """``current`` with the numbers of a ``[scorer]`` table, and the problems found."""
    known = {f.name for f in fields(ScorerParams)}
    if not isinstance(value, dict):
        return current, [f"scorer must be a table of name = number, not {_describe(value)}"]
    errors: list[str] = []
    good: dict[str, float] = {}
    for name, number in value.items():
        if name not in known:
            errors.append(f"unknown scorer parameter {name!r} (known: {', '.join(sorted(known))})")
        elif isinstance(number, bool) or not isinstance(number, int | float) or not 0 <= number <= 5:
            errors.append(f"scorer parameter {name} must be a number in [0, 5], not {_describe(number)}")
        else:
            good[name] = float(number)
    return (replace(current, **good) if good else current), errors
