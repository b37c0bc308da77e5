"""Reading CSV uploads (pure): what makes a file unreadable, and which line a record is on."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucherd.imports.csvfile import CsvFileError, normalize, parse, require


def test_records_carry_the_line_they_start_on_even_after_a_multiline_field() -> None:
    table = parse(b'Code,Note\nA,"two\nlines"\n\nB,plain\n')
    assert table.headers == ["Code", "Note"]
    assert [(r.line, r.values) for r in table.records] == [
        (2, {"Code": "A", "Note": "two\nlines"}),
        (5, {"Code": "B", "Note": "plain"}),
    ]


def test_a_byte_order_mark_and_crlf_line_ends_are_read_as_excel_writes_them() -> None:
    table = parse("\ufeffCode,Value\r\nA,1\r\n".encode())
    assert table.headers == ["Code", "Value"]
    assert table.records[0].values == {"Code": "A", "Value": "1"}


def test_a_short_row_leaves_the_missing_cells_out_and_cells_are_trimmed() -> None:
    assert parse(b"Code,Value\n A ,\nB\n").records[1].values == {"Code": "B"}
    assert parse(b"Code,Value\n A ,\n").records[0].values == {"Code": "A", "Value": ""}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xc3\x28", "not UTF-8"),
        (b"Code\x00\n", "NUL"),
        (b"", "empty"),
        (b",,\n", "empty"),
        (b"Code,\nA,B\n", "has no name"),
        (b"Source_id,source id\n1,2\n", "appears twice"),
        (b'Code\n"A\n', "Malformed CSV"),
        (b"Code\nA,B\n", "Line 2 has 2 fields but the header names 1"),
    ],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(CsvFileError, match=message):
        parse(data)


def test_header_names_match_whatever_their_case_and_separators() -> None:
    assert normalize(" Source_ID ") == normalize("source id") == "source_id"
    assert normalize("Address-line-1") == "address_line_1"
    table = parse(b"CODE,discount type\nA,AMOUNT\n")
    require(table, ["Code", "Discount Type"])
    with pytest.raises(CsvFileError, match="required column"):
        require(table, ["Value"])


cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=12,
).map(str.strip)


@given(st.lists(st.tuples(cell.filter(bool), cell), min_size=1, max_size=20))
def test_whatever_csv_writer_writes_parses_back(rows: list[tuple[str, str]]) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["Code", "Note"])
    writer.writerows(rows)
    table = parse(out.getvalue().encode())
    assert [(r.values["Code"], r.values["Note"]) for r in table.records] == rows
    # Lines are increasing and a record starts after the previous one's last line.
    lines = [r.line for r in table.records]
    assert lines == sorted(set(lines)) and lines[0] == 2
