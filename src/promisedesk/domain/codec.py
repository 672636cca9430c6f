"""Events to and from plain JSON-able dicts: the stored form and the log form.

Pure and strict enough for data the store itself wrote; input from people and logs is
validated at the edge (``services/commands.py``) before it becomes an event.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from promisedesk.domain.events import PAYLOAD_TYPES, Payload


def to_utc_iso(at: datetime) -> str:
    """ISO 8601 in UTC with an explicit offset, the form every log and API uses."""
    return at.astimezone(UTC).isoformat()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return to_utc_iso(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return dict(value)
    return value


def payload_to_dict(payload: Payload) -> dict[str, Any]:
    """The payload's fields as JSON-able values (instants as UTC ISO strings)."""
    return {f.name: _plain(getattr(payload, f.name)) for f in dataclasses.fields(payload)}


_CONVERTERS: dict[str, dict[str, Any]] = {}


def _instants(values: list[str]) -> tuple[datetime, ...]:
    return tuple(datetime.fromisoformat(v) for v in values)


def _converters(cls: type[Payload]) -> dict[str, Any]:
    if cls.TYPE in _CONVERTERS:
        return _CONVERTERS[cls.TYPE]
    hints = typing.get_type_hints(cls)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if typing.get_origin(hint) is tuple and typing.get_args(hint)[0] is datetime:
            out[f.name] = _instants
            continue
        args = typing.get_args(hint)
        base = next((a for a in args if a is not type(None)), hint) if args else hint
        if base is datetime:
            out[f.name] = datetime.fromisoformat
        elif isinstance(base, type) and issubclass(base, Enum):
            out[f.name] = base
    _CONVERTERS[cls.TYPE] = out
    return out


def payload_from_dict(type_name: str, data: Mapping[str, Any]) -> Payload:
    """Rebuild a payload that ``payload_to_dict`` wrote."""
    cls = PAYLOAD_TYPES[type_name]
    conv = _converters(cls)
    kwargs = {k: (conv[k](v) if k in conv and v is not None else v) for k, v in data.items()}
    return cls(**kwargs)
