"""``evolve``: ``dataclasses.replace`` for the domain's frozen records, without its cost.

Folding a ticket's history makes a new record per event; ``dataclasses.replace``
re-runs the generated ``__init__`` through ``fields()`` introspection each time
(about 10 µs), which was a third of a watcher sweep that escalates breaches. The
records here have no ``__post_init__`` and no slots, so copying the instance dict
is the same result. Type checkers see ``dataclasses.replace`` itself, so a wrong
field name is still caught statically; ``tests/unit/test_records.py`` checks the
runtime twin refuses one too.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

T = TypeVar("T")

_FIELDS: dict[type, frozenset[str]] = {}

if TYPE_CHECKING:
    evolve = replace
else:

    def evolve(obj: T, /, **changes: Any) -> T:
        """A copy of the frozen dataclass ``obj`` with ``changes`` applied."""
        cls = type(obj)
        known = _FIELDS.get(cls)
        if known is None:
            known = _FIELDS[cls] = frozenset(f.name for f in fields(cls))
        if not changes.keys() <= known:
            raise TypeError(f"{cls.__name__} has no field {sorted(changes.keys() - known)}")
        new = object.__new__(cls)
        state = new.__dict__
        state.update(obj.__dict__)
        state.update(changes)
        return new
