"""A rule is written once, in the standards: a province file with other lines changes every figure and
every sentence that states a line, and no national line is left in any of them."""
import io
import json

from analytics.i18n import t
import shutil
import struct
import zlib
from pathlib import Path

import pytest
import yaml

from analytics import i18n, service
from analytics.geo.mapping import LINE_CLASS_COLOURS
from analytics.io.storage import Store
from analytics.method import school_rule, sizing, variation
from analytics.method.indicators import to_indicator, to_quantity
from analytics.report import briefing, figures
from analytics.standards import STANDARDS_DIR, Standards, clear_cache, deep_merge, load_standards
from tests.helpers import run_cli

OVERRIDE = {"name": "测试省",
            "resource": {"cv_max": {"小学": 0.40}, "school_rule": {"min_met": 6, "min_ratio_unmet": 0.90}},
            "class_size": {"max": {"小学": 40, "初中": 40}},
            "guarantee": {"G15": {"line": 0.80}}, "recognition": {"S1": {"line": 0.80}}}


@pytest.fixture()
def province_lines(tmp_path, monkeypatch):
    """data/standards copied with a province_32.yaml of other lines, in force through EQUITY_STANDARDS_DIR."""
    folder = tmp_path / "standards"
    folder.mkdir()
    shutil.copy(STANDARDS_DIR / "national.yaml", folder / "national.yaml")
    (folder / "province_32.yaml").write_text(yaml.safe_dump(OVERRIDE, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("EQUITY_STANDARDS_DIR", str(folder))
    clear_cache()
    yield load_standards("320902")
    monkeypatch.delenv("EQUITY_STANDARDS_DIR")
    clear_cache()


def tiny_png() -> bytes:
    """A valid 1×1 PNG (the briefing's pictures, without starting Chromium)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


def docx_text(path: Path) -> str:
    from docx import Document
    doc = Document(path)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_standards_are_typed_and_read_the_kind_of_each_indicator():
    std = load_standards("320902")
    assert isinstance(std, Standards)
    assert std.indicator_codes == ["L1", "L2", "L3", "L4", "L5", "L6", "L7"]
    assert [std.indicator_scale(c) for c in std.indicator_codes] == [100, 100, 100, 1, 1, 1, 100]
    assert std.school_rule.min_met == 6 and std.school_rule.allowed_unmet == 1
    # a province that counted L7 per pupil would change the scale everywhere
    per_pupil = Standards(deep_merge(std, {"resource": {"indicators": {"L7": {"kind": "per_student"}}}}))
    assert per_pupil.indicator_scale("L7") == 1.0


def test_natural_units_round_trip_by_hand():
    std = load_standards()
    assert to_indicator("L1", 9, 300, std) == pytest.approx(3.0)              # 9 teachers / 300 pupils × 100
    assert to_quantity("L6", 2000, 300, std) == pytest.approx(600_000)         # 元
    assert to_quantity("L7", 2.3, 300, std) == pytest.approx(6.9)              # rooms
    assert to_quantity("L4", to_indicator("L4", 1234.5, 321, std), 321, std) == pytest.approx(1234.5)


def test_one_met_nearly_below_decision():
    std = load_standards()
    assert [std.line_class(r) for r in (1.2, 1.0, 0.999, 0.85, 0.849, None, float("nan"))] == \
        ["met", "met", "nearly", "nearly", "below", "missing", "missing"]
    assert list(std.line_classes([1.0, 0.9, 0.5, float("nan")])) == ["met", "nearly", "below", "missing"]


def test_every_catalog_entry_formats_with_any_standards(province_lines):
    """An entry that states a line is filled from the standards; none is left with a placeholder."""
    for std in (load_standards(), province_lines):
        words = std.wording()
        for key, entry in i18n.catalog().items():
            for lang in i18n.LANGUAGES:
                text = entry.get(lang) or ""
                if "{std[" in text:
                    out = i18n.t(key, lang, std=words, **{k: 0 for k in ("n", "m", "stage", "small", "very_small",
                                                                          "total", "items")})
                    assert "{" not in out, (key, out)


def test_a_province_override_changes_every_figure_and_sentence(province_lines, good_db, tmp_path, capsys):
    std = province_lines
    assert std.cv_line("小学") == 0.40 and std.cv_line("初中") == 0.45                 # only what the file says
    assert std.school_rule.min_ratio_unmet == 0.90 and std.class_max("小学") == 40

    # cv --json: the thresholds are the province's
    code, out, _ = run_cli(["cv", "--db", str(good_db), "--county", "320902", "--year", "2024", "--json"], capsys)
    assert code == 0
    records = json.loads(out)
    assert {r["threshold"] for r in records if r["stage"] == "小学"} == {0.40}

    # the scorecard: CV lines, the school rule's ratio, the class line
    store = Store(good_db)
    items, _ = service.scorecard(store, "320902", 2024)
    by = {(i.code, i.stage): i for i in items}
    assert by[("L1", "小学")].threshold == 0.40
    words = service.standards_for("320902").wording()
    assert "90%" in t("item.R8", std=words) and "85" not in t("item.R8", std=words)
    g5 = by[("G5", None)]
    assert g5.source_args["lines"] == "40/40" and "40/40" in t(g5.source, **g5.source_args)
    classes = store.classes("320902", [2024])
    assert g5.value == float((classes["students"] > 40).sum()) > 0                 # 49–54 pupils: all over 40

    # school compliance and the cards' colours: a value at 88 % of its line is 'below' at 90 %
    rows = service.indicator_rows(store, "320902", [2024])
    comp = school_rule.school_compliance(rows, std)
    assert set(comp.filter(like="class_").stack().unique()) <= {"met", "nearly", "below", "missing"}
    card = {"stage": ["小学", "小学"], "indicator": ["L1", "L2"], "value": [4.2 * 0.88, 1.0], "ratio": [0.88, 1.0]}
    import pandas as pd
    fig = figures.indicator_ratio_bars(pd.DataFrame(card), "zh", std)
    assert list(fig.data[0].marker.color) == [LINE_CLASS_COLOURS["met"], LINE_CLASS_COLOURS["below"]]
    national = figures.indicator_ratio_bars(pd.DataFrame(card), "zh", load_standards())
    assert list(national.data[0].marker.color)[1] == LINE_CLASS_COLOURS["nearly"]
    assert {s.x0 for s in fig.layout.shapes} == {1.0, 0.90}                      # the line and the rule's ratio

    # the class bands start above the province's line
    banded = sizing.class_bands(classes, std)
    assert (banded["band"] != "within").all()

    # the CV chart draws the province's line
    cv = variation.cv_table(rows, std)
    assert figures.cv_bars(cv, "小学", "zh", std).layout.shapes[0].x0 == 0.40

    # the strings catalog in the pages' words
    words = std.wording()
    assert "90%" in i18n.t("item.R8", "zh", std=words) and "85" not in i18n.t("item.R8", "zh", std=words)
    assert i18n.t("item.G5", "zh", std=words) == "小学班额不超过40人、初中不超过40人"
    assert "90%" in i18n.t("layout.class_below", "en", std=words)

    # every sentence of the briefing that states a line
    c = briefing.content(store, "320902", 2024)
    images = {k: tiny_png() for k in ("cv_小学", "cv_初中", "map", "bands")}
    text = docx_text(briefing.write_docx(c, images, tmp_path / "b.docx")) + "\n".join(briefing.problems(c))
    assert "不低于标准的90%" in text and "余项不低于90%" in text
    assert "小学≤0.40" in text and "≤0.40" in text
    assert "不低于85%" not in text and "的85%" not in text and "≤0.50" not in text and "小学≤0.5" not in text
    assert "45人" not in text and "不足50人的教学点不纳入" in text                    # scope rule unchanged: 50


def test_the_briefing_states_the_scope_rules_of_the_standards():
    std = load_standards()
    assert briefing.scope_sentence(std) == "特殊教育学校不纳入，不足50人的教学点不纳入，民办学校纳入。"
    other = Standards(deep_merge(std, {"scope": {"teaching_point_min_students": 0, "include_private": False}}))
    assert briefing.scope_sentence(other) == "特殊教育学校不纳入，教学点全部纳入，民办学校不纳入。"


def test_png_helper_is_a_png():
    assert tiny_png().startswith(b"\x89PNG") and io.BytesIO(tiny_png()).getbuffer().nbytes > 40


NATIONAL_ONLY = ("85%", "85 %", "85％", "≤0.50", "≤ 0.50", "0.50", "45人", "45 pupils", "above 45")


def test_no_sentence_keeps_a_national_line_under_a_province_override(province_lines):
    """With the province's school rule at 90 %, the 小学 CV line at 0.40 and classes at 40, no catalog entry, no
    item's 依据 (scope note) and no console example still states 85 %, 0.50 or 45 — each is formatted from the
    standards in force (the check can fail: under the national standards several of them do state them)."""
    import re

    from analytics.io import console

    def texts(std):
        words = std.wording()
        for key, entry in i18n.catalog().items():
            for lang in i18n.LANGUAGES:
                raw = entry.get(lang) or ""
                names = set(re.findall(r"\{(\w+)", raw)) - {"std"}
                try:
                    yield key, i18n.t(key, lang, std=words, **{k: "·" for k in names})
                except (ValueError, KeyError, IndexError):       # not a Python format (a plotly hover template)
                    yield key, raw
        for code in std["item_scope"]:
            yield f"basis {code}", std.item_scope(code)["basis"]
        for key, sql in console.examples(std).items():
            yield f"sql {key}", sql

    national = [key for key, text in texts(load_standards()) if any(x in text for x in NATIONAL_ONLY)]
    assert "basis R8" in national and "compare.help" in national        # they say the national lines …
    left = [(key, text) for key, text in texts(province_lines) if any(x in text for x in NATIONAL_ONLY)]
    assert not left, left                                              # … and the province's when it has its own
