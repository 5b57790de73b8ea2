"""The walls of the design hold: analytics/ has no Streamlit, SQL lives in the storage module, no
module reaches into another's private names, pages stay thin, and every page is in the one list."""
import ast
import re
from pathlib import Path

from ui.navigation import pages

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {p.name for p in (ROOT / "analytics").iterdir() if p.is_dir() and (p / "__init__.py").exists()}


def python_files(*folders):
    return [p for f in folders for p in sorted((ROOT / f).rglob("*.py"))]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_analytics_never_imports_streamlit():
    offenders = [p for p in python_files("analytics") if any(m.split(".")[0] == "streamlit" for m in imported_modules(p))]
    assert not offenders


def test_only_the_storage_module_opens_databases():
    allowed = {ROOT / "analytics" / "io" / "storage.py"}
    offenders = [p for p in python_files("analytics", "ui", "app_pages")
                 if p not in allowed and "duckdb" in {m.split(".")[0] for m in imported_modules(p)}]
    assert not offenders


def test_the_package_layout_names_the_parts_of_the_design():
    assert {"io", "method", "geo", "planning", "report", "demo"} <= PACKAGES
    flat = {p.stem for p in (ROOT / "analytics").glob("*.py")}
    assert flat <= {"__init__", "__main__", "cli", "service", "standards", "i18n", "codes", "formatting"}, flat


def test_no_private_name_is_used_across_modules():
    pattern = re.compile(r"\b([a-z][a-z_]*)\._[a-z]\w*")
    modules = {p.stem for p in python_files("analytics", "ui")} - {"__init__"}
    offenders = []
    for p in python_files("analytics", "ui", "app_pages", "tests", "bench"):
        for k, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            for m in pattern.finditer(line):
                if m.group(1) in modules and m.group(1) != p.stem:
                    offenders.append(f"{p.relative_to(ROOT)}:{k}: {m.group(0)}")
    assert not offenders, offenders


def test_pages_are_thin_and_all_listed_once():
    files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "app_pages").glob("*.py"))
    listed = [p.path for p in pages()]
    assert sorted(listed) == files and len(set(listed)) == len(listed)
    for f in files:
        assert len((ROOT / f).read_text(encoding="utf-8").splitlines()) < 250, f


def test_raw_html_is_written_only_by_the_layers_that_escape_it():
    """``unsafe_allow_html`` appears only in the map legend (which escapes every label); pages never
    build markup themselves."""
    users = sorted(str(p.relative_to(ROOT)) for p in python_files("app_pages", "ui", "analytics")
                   if "unsafe_allow_html=True" in p.read_text(encoding="utf-8"))
    assert users == ["ui/maps.py"], users
    assert "html_text(label)" in (ROOT / "ui" / "maps.py").read_text(encoding="utf-8")


def test_every_table_goes_through_the_one_door_that_neutralises_and_caps_it():
    """``st.dataframe`` only in ui/page.py's ``dataframe`` (formula-looking cells neutralised, a role without the
    export right capped at TABLE_ROWS and offered no CSV button)."""
    users = sorted(str(p.relative_to(ROOT)) for p in python_files("app_pages", "ui") if "st.dataframe(" in
                   p.read_text(encoding="utf-8")) + (["app.py"] if "st.dataframe(" in (ROOT / "app.py").read_text(encoding="utf-8") else [])
    assert users == ["ui/page.py"], users


def test_cells_shown_on_screen_are_neutralised_except_signed_numbers():
    import pandas as pd

    from analytics.io.export import shown_cells
    shown = shown_cells(pd.DataFrame({"名称": ["=cmd|' /C calc'!A0", "+cmd|x", "@SUM(1)", "-2+3+cmd|x", "实验小学"],
                                      "变化": ["-3", "+1.2pp", "-0.05%", "+5个百分点", "—"], "n": [1, 2, 3, 4, 5]}))
    assert shown["名称"].tolist() == ["'=cmd|' /C calc'!A0", "'+cmd|x", "'@SUM(1)", "'-2+3+cmd|x", "实验小学"]
    assert shown["变化"].tolist() == ["-3", "+1.2pp", "-0.05%", "+5个百分点", "—"] and shown["n"].tolist() == [1, 2, 3, 4, 5]


# the layer order, ground floor first: a module imports only from its own layer or the ones before it
LAYERS = (("ground", ("analytics.i18n", "analytics.standards", "analytics.codes", "analytics.formatting")),
          ("geo", ("analytics.geo",)), ("io", ("analytics.io",)), ("method", ("analytics.method",)),
          ("planning", ("analytics.planning",)), ("service", ("analytics.service",)), ("report", ("analytics.report",)),
          ("demo", ("analytics.demo",)), ("top", ("analytics.cli", "analytics.__main__", "ui", "app", "server")),
          ("pages", ("app_pages",)))


def layer_of(module: str) -> int | None:
    found = [(len(prefix), k) for k, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
             if module == prefix or module.startswith(prefix + ".")]
    return max(found)[1] if found else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path: Path):
    """(module imported, inside a function?) for each import of a project module in ``path``
    (``from analytics import codes`` counts as analytics.codes)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if layer_of(f"{node.module}.{a.name}") is not None and
                     (ROOT / Path(*f"{node.module}.{a.name}".split("."))).with_suffix(".py").exists() or
                     (ROOT / Path(*f"{node.module}.{a.name}".split("."))).is_dir() else node.module for a in node.names]
        else:
            continue
        for name in set(names):
            if name.split(".")[0] in ("analytics", "ui", "app_pages"):
                yield name, id(node) in inside


def test_imports_run_down_the_layer_order_only():
    """ground → geo → io → method → planning → service → report → demo → cli/ui → pages (README, "How the code
    is laid out"): no module imports from a layer above its own, at module level or inside a function."""
    back, in_functions = [], 0
    for path in python_files("analytics", "ui", "app_pages") + [ROOT / "app.py", ROOT / "server.py"]:
        mine = layer_of(module_name(path))
        for name, in_function in project_imports(path):
            theirs = layer_of(name)
            in_functions += in_function
            if mine is not None and theirs is not None and theirs > mine and LAYERS[mine][0] != "top":
                back.append(f"{module_name(path)} → {name} ({LAYERS[mine][0]} → {LAYERS[theirs][0]})")
    print(f"project imports inside functions: {in_functions}; against the layer order: {len(back)}")
    assert not back, back


# the only modules that import project modules inside functions, and why (everything else at module level)
LATE_IMPORTS = {
    "analytics/cli.py": "start-up: `python -m analytics user list` answers in 0.05 s; loading geopandas, plotly and "
                        "the briefing for every command would take ~0.6 s more",
    "analytics/i18n.py": "a cycle: the standards format their sentences with the catalog, the catalog fills "
                         "{std[...]} from the standards",
    "analytics/service/__init__.py": "warm_up loads geopandas and pyproj on purpose (seconds), not on import",
    "server.py": "after Streamlit has made its runtime: ui.data's caches are created then",
}


def test_project_modules_are_imported_at_module_level_where_no_cycle_forces_otherwise():
    late = {path.relative_to(ROOT).as_posix() for path in python_files("analytics", "ui", "app_pages")
            + [ROOT / "app.py", ROOT / "server.py"] if any(inside for _, inside in project_imports(path))}
    assert late <= set(LATE_IMPORTS), sorted(late - set(LATE_IMPORTS))


def test_browsers_are_started_in_one_place():
    """Every browser test and bench starts Chromium through ``tests.browser.support.chromium`` (the flags this
    closed network needs, closed whatever happens); only the page bench launches its own, a persistent profile
    whose disk cache it measures."""
    launches = {p.relative_to(ROOT).as_posix() for p in python_files("tests", "bench", "scripts")
                if re.search(r"\.chromium\.launch", p.read_text(encoding="utf-8"))}
    assert launches == {"tests/browser/support.py", "bench/bench_pages.py"}, launches
