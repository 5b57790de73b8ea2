"""Formatting, map decisions, Excel export, coordinates and the standards files."""
import io

import openpyxl
import pandas as pd
import pytest

from analytics.geo import coords
from analytics import formatting
from analytics.geo import mapping
from analytics.method import school_rule
from analytics.standards import load_standards
from analytics.io.export import neutralise, to_excel_bytes


def test_chinese_number_formats():
    assert formatting.fmt_count(61626, "zh", "人") == "6.16万人"
    assert formatting.fmt_count(9876, "zh", "人") == "9,876人"
    assert formatting.fmt_count(61626, "en") == "61,626"
    assert formatting.fmt_pct(0.2857) == "28.6%"
    assert formatting.fmt_cv(0.5152574) == "0.515"
    assert formatting.fmt_indicator("L4", 5.044, "zh") == "5.04 ㎡/生"
    assert formatting.fmt_indicator("L6", 2397.3, "zh") == "2,397 元/生"
    assert formatting.fmt_signed(-0.0042) == "−0.004"
    assert formatting.fmt_count(None) == "—"


def test_marker_area_is_proportional_to_enrolment():
    r1, r4 = mapping.marker_radius(300), mapping.marker_radius(1200)
    assert r4 / r1 == pytest.approx(2.0)                 # 4× the pupils → 2× the radius
    assert mapping.marker_radius(5) == 4.0               # tiny schools stay visible
    assert mapping.marker_radius(99999) == 18.0


def test_school_status_and_worst_band():
    assert school_rule.school_status(["pass", "fail"], True) == "fail"
    assert school_rule.school_status(["pass", "unknown"], True) == "unknown"
    assert school_rule.school_status(["pass", "pass"], True) == "pass"
    assert school_rule.school_status([], False) == "out"
    assert school_rule.school_status([], True) == "unknown"           # nothing decided is no pass
    assert mapping.worst_band(["within", "big", "large"]) == "big"


def test_excel_export_cannot_run_formulas():
    """Formula-looking text is written as a string cell with Excel's quote-prefix mark: never a formula, shown
    and kept as text when edited, and read back as exactly the text it was (no apostrophe added)."""
    names = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "正常小学"]
    df = pd.DataFrame({"学校名称": names, "学生": [1, 2, 3, 4, 5]})
    wb = openpyxl.load_workbook(io.BytesIO(to_excel_bytes({"表": df}, header=["=危险的标题"])))
    cells = list(wb["表"]["A"])[3:]
    assert [c.value for c in cells] == names                        # identity: what went in comes back
    assert all(c.data_type == "s" for c in cells)                   # no formula cell
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False]
    assert wb["表"]["A1"].value == "=危险的标题" and wb["表"]["A1"].data_type == "s" and wb["表"]["A1"].quotePrefix
    assert [c.value for c in wb["表"]["B"]][3:] == [1, 2, 3, 4, 5]   # numbers stay numbers
    assert neutralise(-2) == -2 and neutralise("=1") == "'=1"        # (text-only outputs: an apostrophe)


def test_a_file_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    """The probe: an export to a full disk left a 0-byte file."""
    import errno
    import os

    from analytics.io.export import write_file
    target = tmp_path / "导出.xlsx"
    write_file(target, b"first")
    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        write_file(target, b"second, longer")
    assert target.read_bytes() == b"first"                          # the old file whole, no temporary left
    assert [p.name for p in tmp_path.iterdir()] == ["导出.xlsx"]
    with pytest.raises(OSError):
        write_file(tmp_path / "新.xlsx", b"x")
    assert not (tmp_path / "新.xlsx").exists()


def test_gcj02_published_pair_and_round_trip():
    glon, glat = coords.wgs84_to_gcj02(120.0, 40.0)
    assert float(glon) == pytest.approx(120.00567568355486, abs=1e-9)
    assert float(glat) == pytest.approx(40.0013047896019, abs=1e-9)
    wlon, wlat = coords.gcj02_to_wgs84(glon, glat)
    metres = ((float(wlon) - 120) * 85_000) ** 2 + ((float(wlat) - 40) * 111_000) ** 2
    assert metres ** 0.5 < 0.5


def test_province_override_merges_over_national():
    national = load_standards()
    jiangsu = load_standards("320902")
    assert national["funding"]["per_student"]["小学"] == 650
    assert jiangsu["funding"]["per_student"]["小学"] == 700
    assert jiangsu["resource"]["cv_max"] == national["resource"]["cv_max"]      # untouched keys kept
    assert load_standards("110101")["funding"]["per_student"]["小学"] == 650      # no override file


def test_an_empty_english_unit_is_not_replaced_by_the_chinese_one():
    from analytics.i18n import t
    from analytics.report.scenario_views import format_value
    assert t("unit.items", "zh") == "项" and t("unit.items", "en") == ""
    assert format_value("cv_passed", 6, "en") == "6" and format_value("cv_passed", 6, "zh") == "6项"
    assert format_value("complying", 16, "en") == "16 schools" and format_value("complying", 16, "zh") == "16所"
    assert format_value("cost_one_off", 60_960_000, "zh") == "6,096 万元" and format_value("cost_one_off", 60_960_000, "en") == "61.0 M yuan"
    assert format_value("cost_recurring", 5_400_000, "zh") == "540 万元/年"
    assert format_value("beyond", 0.6612, "en") == "66.1%" and format_value("verdict", "fail", "zh") == "未达标"


def test_every_string_has_a_chinese_and_an_english_text():
    """An unquoted comma or 'Yes' in the catalog's flow mappings silently cut the English text (a
    checkbox read 'True'): every entry must be exactly {zh: text, en: text}."""
    from analytics.i18n import catalog
    broken = {k: v for k, v in catalog().items()
              if not isinstance(v, dict) or set(v) != {"zh", "en"} or not all(isinstance(x, str) for x in v.values())}
    assert not broken, broken


def test_the_version_line_names_only_the_readers_own_counties_submission():
    """The probe: every page's version line showed another county's file name to a county's staff."""
    from analytics.io.versions import source_for
    meta = {"source_file": "yandu.xlsx", "imported_at": "2026-12-01T02:00:00+00:00", "version": "5"}
    latest = {"320902": {"version": 3, "source_file": "tinghu.xlsx", "imported_at": "2026-11-20T01:00:00+00:00"},
              "320903": {"version": 5, "source_file": "yandu.xlsx", "imported_at": "2026-12-01T02:00:00+00:00"}}
    assert source_for(meta, latest, ()) == ("yandu.xlsx", "2026-12-01T02:00:00+00:00")        # an administrator
    assert source_for(meta, latest, ("320902",)) == ("tinghu.xlsx", "2026-11-20T01:00:00+00:00")
    assert source_for(meta, latest, ("3209",)) == ("yandu.xlsx", "2026-12-01T02:00:00+00:00")  # the city: newest
    assert source_for(meta, latest, ("320981",)) == ("—", "")
