"""A refused blocked-roads upload names its failure in words (zh and en), never as the raw reason code."""

from __future__ import annotations

import json

import pytest

from stockpile.adapters.read.coverage_world import MAX_AVOID_BYTES, read_avoid_areas
from stockpile.domain.coverage_world import BadAvoidAreas
from stockpile.i18n import domain_error_text

POINT = {"type": "Point", "coordinates": [114.5, 25.8]}
SQUARE_METRES = [[[500000, 2800000], [500100, 2800000], [500100, 2800100], [500000, 2800000]]]

BAD = [
    ("not_json", b"\xff not json", ("不是 JSON", "not JSON")),
    ("no_polygon", json.dumps(POINT).encode(), ("没有多边形", "no polygon")),
    (
        "out_of_range",
        json.dumps({"type": "Polygon", "coordinates": SQUARE_METRES}).encode(),
        ("超出经纬度范围", "outside longitude/latitude"),
    ),
    (
        "bad_ring",
        json.dumps({"type": "Polygon", "coordinates": [[["a"]]]}).encode(),
        ("格式有误", "malformed"),
    ),
    ("too_large", b" " * (MAX_AVOID_BYTES + 1), ("太大", "too large")),
]


@pytest.mark.parametrize(("code", "data", "words"), BAD, ids=[b[0] for b in BAD])
def test_each_refusal_reads_as_a_sentence(code: str, data: bytes, words: tuple[str, str]) -> None:
    with pytest.raises(BadAvoidAreas) as caught:
        read_avoid_areas(data, "upload")
    assert caught.value.params["reason"] == code
    zh, en = domain_error_text(caught.value, "zh"), domain_error_text(caught.value, "en")
    assert words[0] in zh and "封路区域文件无效" in zh
    assert words[1] in en and "blocked-area file" in en
    assert code not in zh and code not in en
