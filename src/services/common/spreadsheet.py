"""CSV files for spreadsheet programs: the one writer in the codebase, which defuses formula cells (OWASP)."""

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and CR, strips them and
# then may): `=HYPERLINK(...)` in a product name would run in an admin's spreadsheet. OWASP's remedy: a
# leading single quote, which spreadsheets show as text and do not evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | Decimal | None


def safe_cell(value: Cell) -> str | int | Decimal:
    """A cell as it may be written: numbers we computed stay numbers (a difference of -500 stays -500);
    any text, wherever it came from, loses its power to be a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):  # an int, but not one a spreadsheet should sum
        return "ya" if value else "tidak"
    if isinstance(value, int | Decimal):
        return value
    if not isinstance(value, str):
        # Dates, floats and the like are formatted by the caller; guessing here could hide a formula.
        raise TypeError(f"CSV cells are text or numbers, not {type(value).__name__}")
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class CsvDocument:
    """A CSV written row by row, UTF-8 with a BOM and CRLF lines (spreadsheet programs then read it right)."""

    def __init__(self, headers: Iterable[Cell]) -> None:
        self._buffer = io.StringIO()
        self._buffer.write("\ufeff")
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._writer.writerow([safe_cell(h) for h in headers])
        self.rows = 0

    def add(self, cells: Iterable[Cell]) -> None:
        """One data row; every cell goes through `safe_cell`."""
        self._writer.writerow([safe_cell(c) for c in cells])
        self.rows += 1

    def to_bytes(self) -> bytes:
        return self._buffer.getvalue().encode("utf-8")
