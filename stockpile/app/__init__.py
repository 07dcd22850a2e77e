"""The Streamlit app: `main.py` (navigation by role, login, language) and its pages; shipped in the wheel and
started by `relief app` (or the repository's thin `app.py` for `make run`). UI only."""
