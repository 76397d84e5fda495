"""Settings: defaults, TOML overrides, validation and a stable digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainscreen.errors import SettingsError
from chainscreen.settings import Settings, load_settings


def test_defaults_and_digest_are_stable() -> None:
    assert Settings().digest() == Settings().digest()
    assert load_settings().digest() == Settings().digest()


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
