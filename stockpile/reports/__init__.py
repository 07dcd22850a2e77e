"""Presentation shared by the app and the CLI: use-case results turned into tables (pandas) and map layers
(shapely hulls, GeoJSON-like dicts). Pure: no database, no solver, no UI library."""
