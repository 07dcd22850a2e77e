"""Streamlit entry for `make run` (`streamlit run app.py`): the app itself lives in the package, `stockpile/app`,
so that an installed wheel runs the same one (`relief app`)."""

from stockpile.app.main import main

main()
