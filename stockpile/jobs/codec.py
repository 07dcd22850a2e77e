"""Results as JSON and back: a typed codec for the frozen dataclasses the use cases return (a dispatch plan, the
rotation report, a siting report), so a worker can store a result and the page or CLI can read it later as the
same object. Stdlib only; the declared field types steer decoding.

Mappings with string keys become JSON objects; other keys (tuples, numbers) become lists of [key, value] pairs.
Values typed `Any` (the report rows, `list[dict[str, Any]]`) come back as JSON gives them, except ISO dates and
times, which are read back as `date` and `datetime` (a row's `date` column stays a date).
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

JSON = Any
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2})?")


def encode(obj: Any) -> JSON:
    """Plain JSON data (dicts, lists, str, numbers, None) for `obj`."""
    if obj is None or (isinstance(obj, (bool, int, float, str)) and not isinstance(obj, enum.Enum)):
        return obj
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (uuid.UUID, datetime, date)):
        return str(obj) if isinstance(obj, uuid.UUID) else obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        if all(isinstance(k, str) for k in obj):
            return {k: encode(v) for k, v in obj.items()}
        return [[encode(k), encode(v)] for k, v in obj.items()]
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        return [encode(v) for v in items]
    raise TypeError(f"cannot store {type(obj).__name__} as JSON")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode_dataclass(tp: type, data: JSON) -> Any:
    hints = _hints(tp)
    kwargs = {
        f.name: decode(hints[f.name], data[f.name])
        for f in dataclasses.fields(tp)
        if f.init and f.name in data
    }
    return tp(**kwargs)


def _decode_mapping(args: tuple[Any, ...], data: JSON) -> dict[Any, Any]:
    kt, vt = args or (Any, Any)
    pairs = data.items() if isinstance(data, dict) else data
    return {decode(kt, k): decode(vt, v) for k, v in pairs}


def _decode_tuple(args: tuple[Any, ...], data: JSON) -> tuple[Any, ...]:
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(decode(args[0], v) for v in data)
    if not args:
        return tuple(data)
    return tuple(decode(t, v) for t, v in zip(args, data, strict=True))


def _decode_union(args: tuple[Any, ...], data: JSON) -> Any:
    if data is None and type(None) in args:
        return None
    errors = []
    for t in args:
        if t is type(None):
            continue
        try:
            return decode(t, data)
        except (TypeError, ValueError, KeyError) as e:
            errors.append(e)
    raise ValueError(f"no type of {args} reads {data!r}: {errors}")


def _decode_scalar(tp: type, data: JSON) -> Any:
    if issubclass(tp, enum.Enum):
        return tp(data)
    if tp is uuid.UUID:
        return uuid.UUID(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is date:
        return date.fromisoformat(data)
    if tp is float and isinstance(data, int):
        return float(data)
    if tp in (int, str, bool, float) and not isinstance(data, tp):
        raise TypeError(f"{data!r} is not {tp.__name__}")
    return data


def _loose(data: JSON) -> Any:
    """A value typed `Any`: JSON as is, with ISO dates and times read back."""
    if isinstance(data, str):
        if _DATE.fullmatch(data):
            return date.fromisoformat(data)
        if _DATETIME.fullmatch(data):
            return datetime.fromisoformat(data)
        return data
    if isinstance(data, dict):
        return {k: _loose(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_loose(v) for v in data]
    return data


def decode(tp: Any, data: JSON) -> Any:
    """The object of type `tp` that `encode` turned into `data`."""
    if tp is Any or tp is object:
        return _loose(data)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return _decode_union(args, data)
    if data is None:
        return None
    if origin is None:
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            return _decode_dataclass(tp, data)
        return _decode_scalar(tp, data)
    if origin is tuple:
        return _decode_tuple(args, data)
    if origin in (list, Sequence):
        return [decode(args[0] if args else Any, v) for v in data]
    if origin in (frozenset, set):
        return origin(decode(args[0] if args else Any, v) for v in data)
    if origin in (dict, Mapping):
        return _decode_mapping(args, data)
    if origin is typing.Literal:
        return data
    raise TypeError(f"cannot read {tp!r} from JSON")
