"""Settings: defaults, TOML overrides, validation and a stable digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainscreen.errors import SettingsError
from chainscreen.settings import Settings, load_settings

#: The digest of the default settings. Every receipt records it and ``runs verify`` compares it:
#: a change here means runs stored before no longer verify, so change it only on purpose (a new
#: or changed default), and say so in CHANGELOG.md.
DEFAULT_DIGEST = "55c1aa681863bcf417c825965b287b47a407663865afe6ea621abe159474c7dc"


def test_defaults_and_digest_are_stable() -> None:
    assert Settings().digest() == DEFAULT_DIGEST, (
        "the default settings changed; if that is intended, pin the new digest here")
    assert load_settings().digest() == DEFAULT_DIGEST


def test_strength_tables_load_from_toml_and_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "chainscreen.toml"
    path.write_text('[strengths.tip_tier]\n"Tier 2 Watch List" = 0.4\n', encoding="utf-8")
    s = load_settings(path)
    assert s.strengths["tip_tier"]["Tier 2 Watch List"] == 0.4
    assert s.strengths["tip_tier"]["Tier 3"] == 1.0  # the rest of the table stays
    assert s.digest() != DEFAULT_DIGEST
    path.write_text('[strengths.tip_tier]\n"Tier 3" = 2\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"strengths.tip_tier.Tier 3 must be a number in \[0, 1\]"):
        load_settings(path)
    path.write_text('[strengths.made_up]\nx = 0.5\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown strengths table 'made_up'"):
        load_settings(path)


def test_toml_overrides_change_the_digest(tmp_path: Path) -> None:
    p = tmp_path / "chainscreen.toml"
    p.write_text("cut_high = 80\n[weights]\ntip_tier = 0.1\n", encoding="utf-8")
    s = load_settings(p)
    assert s.cut_high == 80 and s.weights["tip_tier"] == 0.1
    assert s.weights["entity_list"] == 1.0
    assert s.digest() != Settings().digest()


@pytest.mark.parametrize(
    "text, message",
    [
        ("bogus = 1\n", "unknown setting 'bogus'"),
        ("[weights]\nnope = 0.5\n", "unknown weight 'nope'"),
        ("[weights]\ntip_tier = 3\n", "must be a number in [0, 1]"),
        ("cut_high = 10\ncut_elevated = 50\n", "cut points"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_settings_are_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_settings(p)


def test_missing_settings_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "none.toml")


def test_level_caps_load_from_toml_and_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "chainscreen.toml"
    path.write_text('review_cap = "low"\n[level_caps]\ngoods_forced_labour = "high"\n', encoding="utf-8")
    s = load_settings(path)
    assert s.level_caps["goods_forced_labour"] == "high" and s.review_cap == "low"
    assert s.level_caps["tip_tier"] == "low"  # the rest of the table stays
    assert s.digest() != DEFAULT_DIGEST
    path.write_text('[level_caps]\ngoods_forced_labour = "extreme"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="level_caps.goods_forced_labour must be one of high, elevated, low"):
        load_settings(path)
    path.write_text('[level_caps]\nmade_up = "low"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown evidence kind 'made_up'"):
        load_settings(path)
    path.write_text('review_cap = "clear"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="review_cap must be one of"):
        load_settings(path)
