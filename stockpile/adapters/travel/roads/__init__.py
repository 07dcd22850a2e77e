"""The county's own road network from an OpenStreetMap extract: import (pyosmium), graph file, and the in-process
`TravelTimeProvider` (scipy csgraph, shapely). See docs/travel-times.md and issue 19."""

from stockpile.adapters.travel.roads.graph import GraphFileError, RoadGraph, load_graph, save_graph
from stockpile.adapters.travel.roads.importer import FarSite, ImportReport, Site, import_extract
from stockpile.adapters.travel.roads.osm import ExtractError
from stockpile.adapters.travel.roads.provider import NOTICE_SNAP_FAR, RoadGraphProvider
from stockpile.adapters.travel.roads.speeds import SpeedTable, SpeedTableError

__all__ = [
    "NOTICE_SNAP_FAR",
    "ExtractError",
    "FarSite",
    "GraphFileError",
    "ImportReport",
    "RoadGraph",
    "RoadGraphProvider",
    "Site",
    "SpeedTable",
    "SpeedTableError",
    "import_extract",
    "load_graph",
    "save_graph",
]
