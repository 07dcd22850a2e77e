"""A stand-in openrouteservice on 127.0.0.1 for tests: recorded reply shapes, scripted failures, no internet.

It answers POST /v2/matrix/{profile}/json, /v2/isochrones/{profile}/geojson and
/v2/directions/{profile}/geojson with replies shaped like the recordings in tests/data/ors/ (same keys and
metadata), computing the numbers from the request: road distance = haversine × 1.25, duration at 15 m/s (car)
or 12 m/s (hgv). It enforces the public API limits (matrix elements, isochrone locations/intervals/range) with
ORS-shaped 400 errors, and marks pairs touching an `unreachable` location as `null` (matrix) or 404/2009
(directions). Replies pushed with `push()` are served first, in order: 429, 5xx, malformed bodies, wrong-shape
JSON, slow replies. Every request is recorded in `requests`.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "ors"
SPEED_M_S = {"driving-car": 15.0, "driving-hgv": 12.0}
ROAD_FACTOR = 1.25


def recorded(name: str) -> Any:
    """A recorded ORS reply from tests/data/ors/ (parsed JSON)."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def straight_m(a: list[float], b: list[float]) -> float:
    """Great-circle metres between [lon, lat] points (R = 6 371 008.8 m)."""
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[0] - a[0]) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def road(a: list[float], b: list[float], profile: str) -> tuple[float, float]:
    """(duration s, distance m) the stand-in reports for a → b, as ORS-style floats with 2 decimals."""
    metres = straight_m(a, b) * ROAD_FACTOR
    return round(metres / SPEED_M_S[profile], 2), round(metres, 2)


@dataclass
class Reply:
    """A scripted reply: status, body (JSON-able or raw bytes), headers, and a delay before answering."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Recorded:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class Limits:
    matrix_elements: int = 3500
    isochrone_locations: int = 5
    isochrone_intervals: int = 10
    isochrone_range_s: int = 3600


def _error(status: int, code: int, message: str) -> Reply:
    body = {"error": {"code": code, "message": message}, "info": {"engine": {"version": "9.0.0"}}}
    return Reply(status=status, body=body)


class OrsStandin:
    """Threaded HTTP server on an ephemeral 127.0.0.1 port; use as a context manager."""

    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.limits = Limits()
        self.unreachable: set[tuple[float, float]] = set()
        self.requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def push(self, *replies: Reply) -> None:
        """Serve these replies, in order, before computing normal answers."""
        with self._lock:
            self._script.extend(replies)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def __enter__(self) -> OrsStandin:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()  # wake any slow reply
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- answers -------------------------------------------------------------------------------------
    def answer(self, path: str, body: Any, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.requests.append(Recorded("POST", path, body, headers))
            scripted = self._script.popleft() if self._script else None
        if scripted is not None:
            return scripted
        if self.api_key is not None and headers.get("authorization") != self.api_key:
            return Reply(status=403, body={"error": "Access to this API has been disallowed"})
        parts = path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "v2" or parts[2] not in SPEED_M_S or not isinstance(body, dict):
            return _error(404, 2099, f"unknown endpoint {path}")
        service, profile = parts[1], parts[2]
        if service == "matrix":
            return self._matrix(body, profile)
        if service == "isochrones":
            return self._isochrones(body, profile)
        if service == "directions":
            return self._directions(body, profile)
        return _error(404, 2099, f"unknown service {service}")

    def _blocked(self, p: list[float]) -> bool:
        return (round(p[0], 6), round(p[1], 6)) in self.unreachable

    def _matrix(self, body: dict[str, Any], profile: str) -> Reply:
        locs = body["locations"]
        src = body.get("sources") or list(range(len(locs)))
        dst = body.get("destinations") or list(range(len(locs)))
        if len(src) * len(dst) > self.limits.matrix_elements:
            return Reply(status=400, body=recorded("error_matrix_too_large.json"))
        out = recorded("matrix_driving-car.json")
        dur, dist = [], []
        for i in src:
            row_s: list[float | None] = []
            row_m: list[float | None] = []
            for j in dst:
                seconds, metres = (0.0, 0.0) if i == j else road(locs[i], locs[j], profile)
                blocked = self._blocked(locs[i]) or self._blocked(locs[j])
                row_s.append(None if blocked else seconds)
                row_m.append(None if blocked else metres)
            dur.append(row_s)
            dist.append(row_m)
        out["durations"], out["distances"] = dur, dist
        out["sources"] = [{"location": locs[i], "snapped_distance": 12.5} for i in src]
        out["destinations"] = [{"location": locs[j], "snapped_distance": 12.5} for j in dst]
        out["metadata"]["query"].update(locations=locs, profile=profile)
        return Reply(body=out)

    def _isochrones(self, body: dict[str, Any], profile: str) -> Reply:
        locs, ranges = body["locations"], body["range"]
        if len(locs) > self.limits.isochrone_locations:
            return _error(400, 3004, f"Only {self.limits.isochrone_locations} locations are allowed.")
        if len(ranges) > self.limits.isochrone_intervals:
            return _error(400, 3004, f"Only {self.limits.isochrone_intervals} intervals are allowed.")
        if max(ranges) > self.limits.isochrone_range_s:
            return _error(400, 3004, f"Range exceeds {self.limits.isochrone_range_s} s.")
        out = recorded("isochrones_driving-car.json")
        template = out["features"][0]
        out["features"] = []
        for gi, centre in enumerate(locs):
            for r in sorted(ranges):
                f = copy.deepcopy(template)
                f["properties"].update(group_index=gi, value=float(r), center=centre)
                f["geometry"]["coordinates"] = [_octagon(centre, SPEED_M_S[profile] * r / ROAD_FACTOR)]
                out["features"].append(f)
        return Reply(body=out)

    def _directions(self, body: dict[str, Any], profile: str) -> Reply:
        coords = body["coordinates"]
        if any(self._blocked(c) for c in coords):
            return Reply(status=404, body=recorded("error_route_not_found.json"))
        out = recorded("directions_driving-car.json")
        feature = out["features"][0]
        legs = [road(a, b, profile) for a, b in itertools.pairwise(coords)]
        line = [coords[0]]
        for a, b in itertools.pairwise(coords):
            line += [[(a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.001], b]  # a bend between waypoints
        feature["geometry"]["coordinates"] = line
        feature["properties"]["segments"] = [{"distance": m, "duration": s} for s, m in legs]
        feature["properties"]["summary"] = {
            "distance": round(sum(m for _, m in legs), 2),
            "duration": round(sum(s for s, _ in legs), 2),
        }
        feature["properties"]["way_points"] = list(range(0, len(line), 2))
        return Reply(body=out)

    # --- HTTP plumbing -------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                headers = {k.lower(): v for k, v in self.headers.items()}
                reply = standin.answer(self.path, body, headers)
                if reply.delay_s:
                    standin._release.wait(reply.delay_s)
                payload = reply.raw if reply.raw is not None else json.dumps(reply.body).encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _octagon(centre: list[float], radius_m: float) -> list[list[float]]:
    dlat = radius_m / 111_195.0
    dlon = dlat / math.cos(math.radians(centre[1]))
    ring = [
        [round(centre[0] + dlon * math.cos(a), 6), round(centre[1] + dlat * math.sin(a), 6)]
        for a in (k * math.pi / 4 for k in range(8))
    ]
    return [*ring, ring[0]]


_HELD: list[socket.socket] = []  # ports kept bound for the process's life, so no other server takes them


def closed_port_url() -> str:
    """http://127.0.0.1:<port> where nothing listens: bound and never listening, so a connection is refused, and
    held, so no server started later in the run (a stand-in, a worker) can be given the same port (a port bound
    and closed was free for the next bind, and a test of "ORS is down" could reach a live server)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    _HELD.append(s)
    return f"http://127.0.0.1:{s.getsockname()[1]}"
