"""An installation's own settings file ($EQUITY_SETTINGS) overrides single keys of data/settings.yaml and
keeps the rest; a section or key that does not exist is refused by name (a typo must not silently leave
the lock-out at its default)."""
import pytest

from analytics.standards import LOCAL_SETTINGS_ENV, settings_section


def test_a_local_file_overrides_only_the_keys_it_names(tmp_path, monkeypatch):
    shipped = settings_section("auth")
    local = tmp_path / "local.yaml"
    local.write_text("auth:\n  idle_minutes: 5\n", encoding="utf-8")
    monkeypatch.setenv(LOCAL_SETTINGS_ENV, str(local))
    mine = settings_section("auth")
    assert mine["idle_minutes"] == 5 and shipped["idle_minutes"] != 5
    assert {k: v for k, v in mine.items() if k != "idle_minutes"} == \
        {k: v for k, v in shipped.items() if k != "idle_minutes"}
    monkeypatch.delenv(LOCAL_SETTINGS_ENV)
    assert settings_section("auth") == shipped


@pytest.mark.parametrize("text, named", [("auth:\n  idle_minuets: 5\n", "idle_minuets"),
                                         ("authentication:\n  idle_minutes: 5\n", "authentication")])
def test_an_unknown_key_or_section_is_refused_by_name(tmp_path, monkeypatch, text, named):
    local = tmp_path / "local.yaml"
    local.write_text(text, encoding="utf-8")
    monkeypatch.setenv(LOCAL_SETTINGS_ENV, str(local))
    with pytest.raises(ValueError, match=named):
        settings_section("auth")


def test_an_edited_configuration_is_logged_once_per_change(tmp_path, monkeypatch):
    from analytics.io import audit
    from analytics.standards import configuration_digest
    log = tmp_path / "state.sqlite"
    first = configuration_digest()
    assert audit.note_configuration(log, first, "settings.yaml", "ops", "cli")
    assert not audit.note_configuration(log, first, "settings.yaml", "ops", "cli")     # unchanged: nothing
    local = tmp_path / "local.yaml"
    local.write_text("auth:\n  lockout_failures: 3\n", encoding="utf-8")
    monkeypatch.setenv(LOCAL_SETTINGS_ENV, str(local))
    second = configuration_digest()
    assert second != first and audit.note_configuration(log, second, "settings.yaml, local.yaml", "ops", "cli")
    local.write_text("auth:\n  lockout_failures: 4\n", encoding="utf-8")               # one character edited
    assert configuration_digest() != second
    entries = audit.entries(log)
    assert list(entries["outcome"]) == ["first_seen", "changed"] and audit.verify(log)["ok"]
    assert entries["object"].iloc[1].startswith(f"sha256:{second}")
