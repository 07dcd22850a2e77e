"""Files the product ships inside its package (found the same way in a checkout and in an installed wheel):
alembic migrations, the demo county's workbook (demo_county.xlsx), the default coverage norms and reserve-planning reference data.

The county's own files and the embedded database live in the working directory's `data/` (settings), never here.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def resource(name: str) -> Path:
    """The path of a shipped file or folder (wheels install as plain files, so a real path exists)."""
    return Path(str(files(__package__).joinpath(name)))
