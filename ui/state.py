"""Session-state keys in one place, and the sidebar selection kept in the URL (st.query_params)."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

LANG = "lang"
ACCOUNT = "_account"              # the signed-in account (ui.auth), None in single-user mode
SESSION = "_session"              # the token of the session's record in the state database (ui.auth)
AUTH_FLASH = "_auth_flash"
AUTH_FORM = "auth_form"
AUTH_NAME = "auth_name"
AUTH_PASSWORD = "auth_password"
AUTH_SIGN_OUT = "auth_sign_out"
ACCOUNT_PASSWORD_FORM = "account_password_form"
ACCOUNT_ADD_FORM = "account_add_form"
ACCOUNT_WHO = "account_who"
ACCOUNT_RESET = "account_reset"
ACCOUNT_RESET_BUTTON = "account_reset_button"
ACCOUNT_DISABLE = "account_disable"
ACCOUNT_ROLE_FORM = "account_role_form"
AUDIT_USERS = "audit_users"
AUDIT_ACTIONS = "audit_actions"
AUDIT_REGION = "audit_region"
AUDIT_SINCE = "audit_since"
SELECTION = "_selection"          # the sidebar's selection of this run (ui.sidebar.render)
DATASET = "_dataset"              # the dataset version this run reads (ui.data.pin)
PROVINCE = "province"
CITY = "city"
COUNTY = "county"
REGION = "region"                 # URL only: the scope when it is a city or a province (?region=3209)
YEAR = "year"
STAGE = "stage"
EXPLORE_VIEW = "view"             # 探索分析: each kept in the URL under the same name (a link reopens the view)
EXPLORE_X = "x"
EXPLORE_Y = "y"
EXPLORE_GROUP = "group"
EXPLORE_YEARS = "years"
EXPLORE_CHART = "explore_chart"
EXPLORE_SELECTED = "_explore_selected"   # school ids selected on the scatter: kept for the session
EXPLORE_CLEAR = "explore_clear"
EXPLORE_MAP = "explore_map"
PROFILE_ONLY_SELECTED = "profile_only_selected"   # 学校画像: choose among the schools selected in 探索分析
VIEW_NAME = "view_name"          # saved views (ui/views.py), one set per page
VIEW_SAVE = "view_save"
VIEW_PICK = "view_pick"
VIEW_OPEN = "view_open"
VIEW_DELETE = "view_delete"
SQL_EXAMPLE = "sql_example"      # 数据查询: the example picked, the query text, the run button, the last answer
SQL_TEXT = "sql_text"
SQL_RUN = "sql_run"
SQL_RESULT = "_sql_result"
ALL = ""                          # the 全部 option of the city and county boxes


@dataclass(frozen=True)
class Selection:
    """The sidebar's scope and choices. At city or province scope ``county_code`` is None and
    ``region_code`` / ``region_name`` name the scope; at county scope they repeat the county."""
    county_code: str | None
    county_name: str
    year: int | None
    stage: str
    lang: str
    region_code: str = ""
    region_name: str = ""

    @property
    def level(self) -> str:
        """'county', 'city' or 'province'."""
        return "county" if self.county_code else {2: "province", 4: "city"}.get(len(self.region_code), "county")


def from_query(key: str, options: list, default, cast=str):
    """The option named in the URL (?county=…) when valid, else the default."""
    raw = st.query_params.get(key)
    if raw is not None:
        try:
            value = cast(raw)
        except (TypeError, ValueError):
            return default
        if value in options:
            return value
    return default


def init_choice(key: str, options: list, default, cast=str) -> None:
    """Seed a widget's state from the URL once, and repair it when its options change."""
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = from_query(key, options, default, cast)


def write_query(selection: Selection) -> None:
    """Mirror the selection into the URL so a copied link reopens the same view."""
    params = {LANG: selection.lang, STAGE: selection.stage}
    if selection.county_code:
        params[COUNTY] = selection.county_code
    elif selection.region_code:
        params[REGION] = selection.region_code
    if selection.year is not None:
        params[YEAR] = str(selection.year)
    for key, value in params.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    for key in (COUNTY, REGION):
        if key not in params and key in st.query_params:
            del st.query_params[key]


def current() -> Selection:
    """The selection made in the sidebar this run (set by :func:`ui.sidebar.render`)."""
    return st.session_state[SELECTION]

# 数据管理 page
UPLOAD = "admin_upload"
TOWNS = "admin_towns"
CHECKED = "admin_checked"
CHECKED_HASH = "admin_checked_hash"
IMPORTED_HASH = "admin_imported_hash"
AUDITED = "audited_this_session"     # (action, region, object) already in the audit log
REFUSED_HASH = "admin_refused_hash"       # an out-of-scope file, recorded once in the audit log
CONFIRM = "admin_confirm_warnings"
IMPORT_USER = "admin_user"
ROLLBACK = "admin_rollback"
ROLLBACK_SCOPE = "rollback_scope"
ROLLBACK_CONFIRM = "admin_rollback_confirm"
FLASH = "admin_flash"

# 布局方案比选 page
SCEN_PREFIX = "scen_"


def scenario_steps(county_code: str) -> list:
    """The steps of the scenario being built for a county (kept per county for the session)."""
    return st.session_state.setdefault(f"{SCEN_PREFIX}steps_{county_code}", [])


SCEN_LON, SCEN_LAT = "scen_lon", "scen_lat"
SCEN_FLASH = "scen_flash"
SCEN_HANDOFF = "scen_handoff"
SCEN_TOWN = "scen_town"


def hand_site_to_scenario(site, stage: str) -> None:
    """A suggested site (布局规划) handed to the 布局方案比选 form: it opens with a new school of the 学段
    at the site's position and town (see :func:`take_site_handoff`)."""
    st.session_state[SCEN_HANDOFF] = {"lon": round(float(site["lon"]), 6), "lat": round(float(site["lat"]), 6),
                                      "town": str(site["town"]), "stage": stage}


def take_site_handoff() -> dict | None:
    """Put a handed-over site into the form's widgets (before they are drawn); returns it once."""
    site = st.session_state.pop(SCEN_HANDOFF, None)
    if site:
        st.session_state[SCEN_KIND] = "open"
        st.session_state[SCEN_STAGE] = site["stage"]
        st.session_state[SCEN_LON], st.session_state[SCEN_LAT] = site["lon"], site["lat"]
        st.session_state[SCEN_TOWN] = site["town"]
    return site


# Widget and session keys of the pages (one place, so no two widgets collide and tests can name them)
BRIEFING_FILES = "briefing_files"
CLASS_MAP = "class"
CV_CHART = "cv"
DOWNLOAD = "dl"
GRID_XLSX = "grid_xlsx"
LAYOUT_COLOUR = "layout_colour"
LAYOUT_GROUPS = "layout_groups"
LAYOUT_MAP = "layout"
LAYOUT_TYPES = "layout_types"
PROFILE_SCHOOL = "profile_school"
SCEN_A = "scen_a"
SCEN_ADD = "scen_add"
SCEN_AUTHOR = "scen_author"
SCEN_B = "scen_b"
SCEN_CHOSEN = "scen_chosen"
SCEN_CLASSES = "scen_classes"
SCEN_CLEAR = "scen_clear"
SCEN_C_SCHOOL = "scen_c_school"
SCEN_DELETE = "scen_delete"
SCEN_DELETE_SURE = "scen_delete_sure"
SCEN_JUNIOR = "scen_junior"
SCEN_KIND = "scen_kind"
SCEN_LAST_PICK = "scen_last_pick"
SCEN_MAP = "scen_map"
SCEN_NAME = "scen_name"
SCEN_OPEN = "scen_open"
SCEN_OPENS = "scen_opens"
SCEN_PLACE = "scen_place"
SCEN_REMOVE = "scen_remove"
SCEN_SAVE = "scen_save"
SCEN_SAVE_NAME = "scen_save_name"
SCEN_STAGE = "scen_stage"
SCEN_X_CLASSES = "scen_x_classes"
SCEN_X_OPENS = "scen_x_opens"
SCEN_X_SCHOOL = "scen_x_school"
SCEN_X_STAGE = "scen_x_stage"
SITES_PICK = "sites_pick"
SITES_TO_SCENARIO = "sites_to_scenario"
SITES_DONE = "sites_done"
SITES_K = "sites_k"
SITES_MAP = "sites"
SITES_MODEL = "sites_model"
SITES_RUN = "sites_run"
SMALL_MAP = "small"
TABLE = "table"
TREND_CHART = "trend"
WI_CODE = "wi_code"
WI_FROM = "wi_from"
WI_KIND = "wi_kind"
WI_N = "wi_n"
WI_TO = "wi_to"
WI_TOWN_FROM = "wi_town_from"
WI_TOWN_TO = "wi_town_to"


def widget_key(prefix: str, *parts) -> str:
    """A key for a widget drawn once per county / year / item: ``prefix_part1_part2``."""
    return "_".join([prefix, *(str(p) for p in parts)])

# 区县比较 page
COMPARE_LEVEL = "compare_level"
COMPARE_OPEN = "compare_open"


def open_county(county_code: str, city_code: str | None) -> None:
    """Make ``county_code`` the sidebar's county (a button callback: it runs before the sidebar is drawn)."""
    st.session_state[PROVINCE] = str(county_code)[:2]
    st.session_state[CITY] = city_code or ALL
    st.session_state[COUNTY] = county_code


COMPARE_PEER = "compare_peer"
REGION_BRIEFING_FILES = "region_briefing_files"
COMPARE_PLANS = "compare_plans"
COMPARE_PLANS_RUN = "compare_plans_run"
COMPARE_OPEN_BUTTON = "compare_open_button"
COMPARE_BRIEFING = "compare_briefing"
COMPARE_MEASURE = "measure"       # also the URL's ?measure=L2
COMPARE_MAP = "compare_map"
COMPARE_MAP_LAYER = "compare_map_layer"
PHASE_BUDGET = "phase_budget"          # 整改方案 › 分年度计划: the inputs (万元, people, years)
PHASE_BUDGET_B = "phase_budget_b"
PHASE_CAP = "phase_cap"
PHASE_HIRES = "phase_hires"
PHASE_HORIZON = "phase_horizon"
PHASE_START = "phase_start"
PHASE_LEAD = "phase_lead"
PHASE_FORM = "phase_form"
PHASE_RUN = "phase_run"                # the inputs last laid out (a dict), so reruns keep showing them
PHASE_DOWNLOAD = "phase_download"
PHASE_REGION_RUN = "phase_region_run"
PHASE_REGION = "phase_region"
SEAT_YEAR = "seat_year"                # 布局规划: the year of the town seat map
SEAT_MAP = "seat_map"
