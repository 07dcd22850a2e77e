"""Streamlit entry inside the package, for `relief app` (an installed wheel has no repository `app.py`)."""

from stockpile.app.main import main

main()
