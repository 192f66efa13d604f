"""Settings from the environment: typed, validated, and a clear error when wrong."""

from __future__ import annotations

import sys

import pytest

from sitroom.config import Settings
from sitroom.errors import ConfigError
from sitroom.serve.cli import main


def test_settings_come_from_sitroom_variables(monkeypatch):
    monkeypatch.setenv("SITROOM_MERGE_THRESHOLD", "0.7")
    monkeypatch.setenv("SITROOM_SEMANTIC", "1")
    monkeypatch.setenv("SITROOM_CROSSDOC_WINDOW_DAYS", "30")
    settings = Settings.from_env(story_threshold=0.3)
    assert settings.crossdoc_options() == {"window_days": 30, "merge_threshold": 0.7, "story_threshold": 0.3,
                                           "semantic": True}
    assert Settings().crossdoc_options() == {"window_days": 14, "merge_threshold": 0.55, "story_threshold": 0.25,
                                             "semantic": False}


@pytest.mark.parametrize("name, value", [("SITROOM_MERGE_THRESHOLD", "2"), ("SITROOM_WORKERS", "many"),
                                         ("SITROOM_SEMANTIC", "perhaps")])
def test_a_bad_setting_names_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"{name}='{value}'"):
        Settings.from_env()


def test_an_option_is_named_as_given():
    with pytest.raises(ConfigError, match="story_threshold=-1"):
        Settings.from_env(story_threshold=-1)


def test_the_cli_reports_a_bad_setting_without_a_traceback(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SITROOM_MERGE_THRESHOLD", "2")
    monkeypatch.setattr(sys, "argv", ["sitroom", "stats", "--db", str(tmp_path / "x.db")])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    error = " ".join(capsys.readouterr().err.split())
    assert "SITROOM_MERGE_THRESHOLD='2'" in error and "Traceback" not in error
