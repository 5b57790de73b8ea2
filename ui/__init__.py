"""Streamlit helpers shared by the pages: strings, session state, data access, charts, maps."""
