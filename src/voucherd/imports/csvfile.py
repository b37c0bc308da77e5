"""Reading an uploaded CSV file (pure): UTF-8, a header line, one record per row, each record
with the line it starts on. Whatever makes the whole file unreadable is a `CsvFileError`
(answered 400 before anything is enqueued); a bad value in a row is that row's problem."""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass

# Excel writes a byte order mark in front of UTF-8 files; it is not part of the first header.
_BOM = "\ufeff"


class CsvFileError(ValueError):
    """The file as a whole cannot be read as a CSV import."""


@dataclass(frozen=True, slots=True)
class CsvRecord:
    line: int  # the file line the record starts on (the header is line 1)
    values: dict[str, str]  # by header, as written in the file


@dataclass(frozen=True, slots=True)
class CsvTable:
    headers: list[str]
    records: list[CsvRecord]


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            f"The file is not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8"
        ) from exc
    if "\x00" in text:
        raise CsvFileError("The file contains NUL bytes: it is not a CSV text file")
    return text.removeprefix(_BOM)


def parse(data: bytes) -> CsvTable:
    """The records of a CSV file (comma-separated, RFC 4180 quoting)."""
    text = decode(data)
    # strict: an unterminated or stray quote is an error, not silently merged text.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise CsvFileError("The file is empty: the first line must name the columns")
        headers = [h.strip() for h in header]
        _check_headers(headers)
        records: list[CsvRecord] = []
        line = reader.line_num + 1
        for fields in reader:
            start, line = line, reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue  # blank lines (a trailing newline, spacing) are not records
            if len(fields) > len(headers):
                raise CsvFileError(
                    f"Line {start} has {len(fields)} fields but the header names {len(headers)}"
                )
            values = {h: f.strip() for h, f in zip(headers, fields, strict=False)}
            records.append(CsvRecord(start, values))
    except csv.Error as exc:
        raise CsvFileError(f"Malformed CSV at line {reader.line_num}: {exc}") from exc
    return CsvTable(headers, records)


def _check_headers(headers: list[str]) -> None:
    seen: set[str] = set()
    for header in headers:
        if not header:
            raise CsvFileError("A column of the header line has no name")
        folded = normalize(header)
        if folded in seen:
            raise CsvFileError(f"Column '{header}' appears twice in the header line")
        seen.add(folded)


# Called for every cell of every row with the same few headers.
@functools.lru_cache(maxsize=4096)
def normalize(header: str) -> str:
    """`Source_id`, `Source ID` and `source_id` name one column."""
    return "_".join(header.strip().lower().replace("-", " ").replace("_", " ").split())


def require(table: CsvTable, columns: Iterable[str]) -> None:
    present = {normalize(h) for h in table.headers}
    missing = [c for c in columns if normalize(c) not in present]
    if missing:
        raise CsvFileError(f"The header line lacks the required column(s): {', '.join(missing)}")
