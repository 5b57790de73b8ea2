"""The empty workbook a bureau fills in: every contract sheet with Chinese headers, a 填表说明
sheet, drop-down lists for coded columns, number formats, frozen headers and example rows
marked 示例 (skipped on import)."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import yaml
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from analytics.io import contract
from analytics.i18n import t

EXAMPLES_PATH = Path(__file__).resolve().parents[2] / "data" / "template_examples.yaml"
GUIDE_SHEET = "填表说明"
VALIDATION_ROWS = 5000
NUMBER_FORMATS = {"count": "0", "grade": "0", "year": "0", "amount": "#,##0.00", "number": "0.000",
                  "share": "0.0%", "lon": "0.000000", "lat": "0.000000",
                  "school_id": "@", "county_code": "@", "urban_rural_code": "@"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
EXAMPLE_FONT = Font(italic=True, color="808080")


def allowed_values(col: contract.Column) -> list[str] | None:
    """The drop-down list of a coded column, or None for free input."""
    codes = contract.codes()
    lists = {
        "school_type": list(codes["school_type"].values()),
        "urban_rural_code": list(codes["urban_rural"].keys()),
        "ownership": ["公办", "民办"],
        "crs": ["WGS84", "GCJ02", "BD09"],
        "yes_no": ["是", "否"],
        "stage": list(contract.STAGES),
        "stage_or_whole": list(contract.STAGES) + [contract.WHOLE_SCHOOL],
        "indicator_code": codes["indicator_codes"],
    }
    return lists.get(col.type)


def write_template(path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(EXAMPLES_PATH, encoding="utf-8") as fh:
        examples = yaml.safe_load(fh)
    marker = contract.raw_contract()["example_marker"]
    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    _write_guide(guide)
    for sheet in contract.sheets():
        ws = wb.create_sheet(sheet.zh)
        headers = [c.zh for c in sheet.columns] + [marker]
        ws.append(headers)
        for i, c in enumerate(sheet.columns, start=1):
            cell = ws.cell(1, i)
            cell.font = Font(bold=True)
            cell.fill = REQUIRED_FILL if c.required else HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(28, len(c.zh) * 2 + 4))
            fmt = NUMBER_FORMATS.get(c.type)
            values = allowed_values(c)
            if values:
                dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                    showErrorMessage=True, error=t("template.pick_from_list"))
                ws.add_data_validation(dv)
                dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}{VALIDATION_ROWS}")
            if fmt:
                for r in range(2, 2 + len(examples.get(sheet.key, [])) + 200):
                    ws.cell(r, i).number_format = fmt
        m = len(headers)
        ws.cell(1, m).font = Font(bold=True, color="808080")
        ws.column_dimensions[get_column_letter(m)].width = 8
        for row in examples.get(sheet.key, []):
            ws.append([row.get(c.key) for c in sheet.columns] + [marker])
            for i in range(1, m + 1):
                ws.cell(ws.max_row, i).font = EXAMPLE_FONT
        ws.freeze_panes = "B2"
    wb.save(path)
    return path


def _write_guide(ws) -> None:
    ws.append([t("template.title")])
    ws["A1"].font = Font(bold=True, size=14)
    for line in t("template.rules").split("\n"):
        ws.append([line])
    ws.append([])
    head = ["工作表", "列（中文表头）", "英文键", "必填", "单位", "填写要求"]
    ws.append(head)
    for i in range(1, len(head) + 1):
        ws.cell(ws.max_row, i).font = Font(bold=True)
        ws.cell(ws.max_row, i).fill = HEADER_FILL
    for sheet in contract.sheets():
        for c in sheet.columns:
            values = allowed_values(c)
            rule = t(f"type.{c.type}") + (("：" + "、".join(values)) if values else "")
            ws.append([f"{sheet.zh}{'（必需）' if sheet.required else '（可选）'}", c.zh, c.key,
                       "是" if c.required else "", c.unit or "", rule])
    for col, width in zip("ABCDEF", (16, 24, 26, 6, 10, 70)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
