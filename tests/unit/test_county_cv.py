"""All counties' CVs in one grouped pass equal the per-county :func:`variation.cv_table`, value for value
(to 1e-9) and decision for decision, on random counties with gaps, pupils-free rows and rows out of scope."""
import numpy as np
import pandas as pd

from analytics.method import variation
from analytics.standards import load_standards

STD = load_standards("320902")


def random_rows(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(6):
        county = f"3209{c:02d}"
        for i in range(int(rng.integers(1, 25))):
            for stage in ("小学", "初中"):
                if rng.random() < 0.3:
                    continue
                row = {"county_code": county, "school_id": f"{county}{i:04d}", "stage": stage,
                       "students": float(rng.choice([0, rng.integers(5, 2000)], p=[0.05, 0.95])),
                       "in_scope": bool(rng.random() > 0.1)}
                for code in STD.indicator_codes:
                    row[code] = np.nan if rng.random() < (0.15 if c == 2 else 0.01) else float(rng.uniform(0.5, 9))
                rows.append(row)
    return pd.DataFrame(rows)


def test_the_grouped_pass_equals_the_per_county_tables():
    for seed in range(12):
        rows = random_rows(seed)
        lines = {(c, s): STD.cv_line(s) for c in rows["county_code"].unique() for s in STD.stages}
        together = variation.county_cv_table(rows, STD.indicator_codes, lines).set_index(["county_code", "stage", "indicator"])
        n = 0
        for county, part in rows.groupby("county_code"):
            for r in variation.cv_table(part, STD).itertuples():
                g = together.loc[(county, r.stage, r.indicator)]
                assert g["status"] == r.status and g["passed"] == r.passed
                assert g["n_scope"] == r.n_scope and g["n_missing"] == len(r.missing) and g["n_schools"] == r.n_schools
                for k in ("mean", "sd", "cv", "students"):
                    assert (np.isnan(getattr(r, k)) and np.isnan(g[k])) or abs(g[k] - getattr(r, k)) <= 1e-9 * max(1, abs(getattr(r, k)))
                n += 1
        assert n == len(together) and n > 0


def test_the_grouped_pass_on_the_worked_example():
    """standard.md's worked example (students 45, 37, 89, 76, 55; books 279, 137, 935, 160, 402 →
    per pupil X̄ = 6.334437, S = 3.263861, CV = 0.515257) as one county's L6 among others."""
    students = [45, 37, 89, 76, 55]
    books = [279, 137, 935, 160, 402]
    rows = pd.DataFrame({"county_code": "320902", "stage": "小学", "school_id": [str(i) for i in range(5)],
                         "students": students, "in_scope": True,
                         **{c: [b / p for b, p in zip(books, students)] for c in STD.indicator_codes}})
    other = rows.assign(county_code="320903", L6=[1.0, 1.0, 1.0, 1.0, 1.0])
    out = variation.county_cv_table(pd.concat([rows, other]), STD.indicator_codes,
                                    {("320902", "小学"): 0.5, ("320903", "小学"): 0.5}).set_index(["county_code", "indicator"])
    assert round(out.loc[("320902", "L6"), "mean"], 6) == 6.334437 and round(out.loc[("320902", "L6"), "sd"], 6) == 3.263861
    assert round(out.loc[("320902", "L6"), "cv"], 6) == 0.515257 and out.loc[("320902", "L6"), "passed"] is False
    assert out.loc[("320903", "L6"), "cv"] == 0.0 and out.loc[("320903", "L6"), "passed"] is True
