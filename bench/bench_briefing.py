"""Benchmark: building the leadership briefing (.docx + .pdf + .pptx) for 亭湖区 2024 of the demo, with
the time of each step; baseline = computing its figures only (content()).

Run: .venv/bin/python bench/bench_briefing.py [DB]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics.report import briefing  # noqa: E402
from analytics.io.storage import Store  # noqa: E402


def main(db: str) -> None:
    store = Store(db)
    with tempfile.TemporaryDirectory() as tmp:
        marks = {}
        t0 = time.perf_counter()
        c = briefing.content(store, "320902", 2024)
        marks["content (figures)"] = time.perf_counter() - t0
        t = time.perf_counter()
        images = briefing.render_images(c)
        marks["charts + map → PNG (kaleido)"] = time.perf_counter() - t
        t = time.perf_counter()
        docx = briefing.write_docx(c, images, Path(tmp) / "b.docx")
        marks["docx"] = time.perf_counter() - t
        t = time.perf_counter()
        briefing.to_pdf(docx)
        marks["pdf (LibreOffice)"] = time.perf_counter() - t
        t = time.perf_counter()
        briefing.write_pptx(c, images, Path(tmp) / "b.pptx")
        marks["pptx"] = time.perf_counter() - t
        total = time.perf_counter() - t0
    base = marks["content (figures)"]
    for k, v in marks.items():
        print(f"{k:32s} {v:6.2f} s  {v / base:5.2f}×")
    print(f"{'total':32s} {total:6.2f} s  {total / base:5.2f}×")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/equity.duckdb")
