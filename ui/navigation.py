"""The page list, once: sections, files, title keys and icons. ``app.py`` builds the navigation from it
and the tests read it from here (they never write the list out again)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageEntry:
    path: str          # file under app_pages/
    title_key: str     # strings catalog key of the title in the navigation
    icon: str
    default: bool = False
    action: str = "read"   # what the page does (analytics.io.accounts.ACTIONS): roles below it do not see it

    @property
    def url_path(self) -> str:
        return self.path.split("/")[-1].removesuffix(".py")


SECTIONS: dict[str, list[PageEntry]] = {
    "nav.section.assess": [
        PageEntry("app_pages/overview.py", "nav.overview", ":material/dashboard:", True),
        PageEntry("app_pages/compare.py", "nav.compare", ":material/leaderboard:"),
        PageEntry("app_pages/scorecard.py", "nav.scorecard", ":material/checklist:"),
        PageEntry("app_pages/resources.py", "nav.resources", ":material/equalizer:"),
        PageEntry("app_pages/gaps.py", "nav.gaps", ":material/compare_arrows:"),
        PageEntry("app_pages/school_profile.py", "nav.profile", ":material/badge:"),
    ],
    "nav.section.plan": [
        PageEntry("app_pages/rectification.py", "nav.rectification", ":material/construction:", action="plan"),
        PageEntry("app_pages/forecast.py", "nav.forecast", ":material/trending_up:", action="plan"),
        PageEntry("app_pages/scenarios.py", "nav.scenarios", ":material/alt_route:", action="scenario"),
    ],
    "nav.section.layout": [
        PageEntry("app_pages/layout.py", "nav.layout", ":material/map:"),
        PageEntry("app_pages/class_size.py", "nav.class_size", ":material/groups:"),
        PageEntry("app_pages/small_schools.py", "nav.small_schools", ":material/cottage:"),
    ],
    "nav.section.data": [
        PageEntry("app_pages/data_tables.py", "nav.data", ":material/table_view:"),
        PageEntry("app_pages/explore.py", "nav.explore", ":material/scatter_plot:", action="explore"),
        PageEntry("app_pages/sql_console.py", "nav.sql", ":material/terminal:", action="explore"),
        PageEntry("app_pages/submissions.py", "nav.submissions", ":material/fact_check:"),
        PageEntry("app_pages/data_admin.py", "nav.admin", ":material/upload_file:", action="import"),
        PageEntry("app_pages/accounts.py", "nav.accounts", ":material/manage_accounts:"),
    ],
}


def allowed_pages(account) -> dict[str, list[PageEntry]]:
    """The sections with the pages ``account`` may open (every page in single-user mode: ``account`` None)."""
    out = {}
    for section, entries in SECTIONS.items():
        kept = [p for p in entries if account is None or account.may(p.action)]
        if kept:
            out[section] = kept
    return out


def pages() -> list[PageEntry]:
    """Every page in navigation order."""
    return [p for entries in SECTIONS.values() for p in entries]


def page_ids() -> list[str]:
    """The pages' URL paths (``overview`` …), in navigation order."""
    return [p.url_path for p in pages()]
