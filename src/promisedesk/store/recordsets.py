"""Many rows as one statement parameter: a JSON array that PostgreSQL turns into rows.

``json_to_recordset(CAST(:rows AS json)) AS v(id varchar, due_at timestamptz, ...)``
makes a thousand rows from one parameter that psycopg sends as it is. The form it
replaced, ``unnest`` over one array per column, had psycopg quote every element in
Python: half of a 2,000-row outbox insert's time (docs/benchmarks-watcher.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson


def _instant(value: Any) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the store; pass an aware instant")
    return value.astimezone(UTC).isoformat()


def recordset(rows: Iterable[Mapping[str, Any]]) -> str:
    """The JSON parameter for ``recordset_sql``: keys it does not list are ignored."""
    return orjson.dumps(
        list(rows), default=_instant, option=orjson.OPT_PASSTHROUGH_DATETIME
    ).decode()


def recordset_sql(param: str, columns: Mapping[str, str]) -> str:
    """``json_to_recordset(...) AS v(...)`` over ``:param``, with each column's type."""
    typed = ", ".join(f'"{name}" {type_}' for name, type_ in columns.items())
    return f"json_to_recordset(CAST(:{param} AS json)) AS v({typed})"
