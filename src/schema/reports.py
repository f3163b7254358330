"""Market reports for market admins and the trade office, and their CSV exports."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import relay

from src.models.reports import ExportStatus, ReportExport
from src.schema.catalog import ProductType
from src.schema.context import Info
from src.schema.errors import UserError, payload_mutation, query_errors
from src.schema.ids import decode_id, visible_nodes
from src.schema.markets import MarketType
from src.schema.permissions import current_user
from src.schema.scalars import Money, decimal_value, money
from src.services import reports as reports_service
from src.services.catalog_queries import product_rows
from src.services.common.i18n import translate

ExportStatusEnum = strawberry.enum(ExportStatus, name="ExportStatus")


@strawberry.type
class ReportProduct:
    product_name: str
    unit: str
    quantity: Decimal = strawberry.field(description="Sold, weighed quantities where weighed.")
    revenue: Money
    product_id: strawberry.Private[int | None]
    rows: strawberry.Private[dict[int, dict[str, Any]]]

    @strawberry.field(description="The product now (null once deleted).")
    def product(self) -> ProductType | None:
        row = self.rows.get(self.product_id) if self.product_id is not None else None
        return ProductType.from_row(row) if row else None


@strawberry.type
class ReportDay:
    date: date
    orders: int
    gmv: Money


@strawberry.type
class Cancellation:
    reason: str
    count: int


@strawberry.type
class MarketFigures:
    orders: int
    gmv: Money
    market_id: strawberry.Private[int]

    @strawberry.field
    async def market(self, info: Info) -> MarketType:
        return MarketType.from_model(await info.context.loaders.market_by_id.load(self.market_id))


@strawberry.type(description="How a market (or the whole city) did over a period; days in WIB.")
class MarketReport:
    date_from: date = strawberry.field(name="from")
    date_to: date = strawberry.field(name="to")
    market: MarketType | None = strawberry.field(description="Null for the city-wide report.")
    orders: int = strawberry.field(description="Placed in the period and not cancelled.")
    gmv: Money = strawberry.field(description="Goods value of those orders (after rejections and weighing).")
    delivery_fees: Money
    delivered_orders: int
    cancelled_orders: int
    cancellations: list[Cancellation]
    active_stalls: int = strawberry.field(description="Stalls with at least one order.")
    new_stalls: int = strawberry.field(description="Stalls that applied in the period and are approved.")
    average_fulfilment_minutes: float | None = strawberry.field(description="From placing to delivery.")
    cod_collected: Money
    cod_rounding: Money = strawberry.field(
        description="Cash rounding of those orders delivered cash on delivery (to the coin; may be negative)."
    )
    refunds: Money = strawberry.field(description="Refunds created in the period (owed back to buyers, paid or not).")
    refund_count: int
    payouts: Money = strawberry.field(description="Paid to traders in the period.")
    commissions: Money = strawberry.field(description="The market's share of sales delivered in the period.")
    top_products: list[ReportProduct] = strawberry.field(description="By revenue, ten at most.")
    top_products_by_quantity: list[ReportProduct]
    daily: list[ReportDay]
    by_market: list[MarketFigures] = strawberry.field(description="City-wide report: each market's figures.")


async def _report(report: reports_service.Report, info: Info) -> MarketReport:
    ids = sorted({p.product_id for p in report.top_by_revenue + report.top_by_quantity if p.product_id is not None})
    rows = await product_rows(viewer=await info.context.get_user(), ids=ids)

    def products(items: list[reports_service.TopProduct]) -> list[ReportProduct]:
        return [
            ReportProduct(
                product_name=p.name, unit=p.unit, quantity=decimal_value(p.quantity), revenue=money(p.revenue),
                product_id=p.product_id, rows=rows,
            )
            for p in items
        ]  # fmt: skip

    return MarketReport(
        date_from=report.date_from,
        date_to=report.date_to,
        market=MarketType.from_model(report.market) if report.market else None,
        orders=report.orders,
        gmv=money(report.gmv),
        delivery_fees=money(report.delivery_fees),
        delivered_orders=report.delivered,
        cancelled_orders=report.cancelled,
        cancellations=[Cancellation(reason=r, count=n) for r, n in sorted(report.cancellations.items())],
        active_stalls=report.active_stalls,
        new_stalls=report.new_stalls,
        average_fulfilment_minutes=report.average_fulfilment_minutes,
        cod_collected=money(report.cod_collected),
        cod_rounding=money(report.cod_rounding),
        refunds=money(report.refunds),
        refund_count=report.refund_count,
        payouts=money(report.payouts),
        commissions=money(report.commissions),
        top_products=products(report.top_by_revenue),
        top_products_by_quantity=products(report.top_by_quantity),
        daily=[ReportDay(date=d.day, orders=d.orders, gmv=money(d.gmv)) for d in report.daily],
        by_market=[MarketFigures(orders=m.orders, gmv=money(m.gmv), market_id=m.market_id) for m in report.by_market],
    )


@strawberry.type(name="ReportExport", description="A CSV of every order line of a report's period.")
class ReportExportType(relay.Node):
    id: relay.NodeID[int]
    status: ExportStatus
    date_from: date = strawberry.field(name="from")
    date_to: date = strawberry.field(name="to")
    row_count: int
    error: str | None = strawberry.field(description="Once FAILED: why, in the reader's language.")
    created_at: datetime
    finished_at: datetime | None
    url: str | None = strawberry.field(description="Once READY: a download link valid for an hour.")

    @classmethod
    def from_model(cls, export: ReportExport, info: Info) -> "ReportExportType":
        return cls(
            id=export.id,
            status=export.status,
            date_from=export.date_from,
            date_to=export.date_to,
            row_count=export.row_count,
            error=translate(export.error, info.context.language) if export.error else None,
            created_at=export.created_at,
            finished_at=export.finished_at,
            url=reports_service.download_url(export, info.context.storage),
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        return await visible_nodes(
            info, node_ids, reports_service.visible_export, lambda found: cls.from_model(found, info)
        )


@strawberry.input
class ExportMarketReportInput:
    market_id: relay.GlobalID | None = strawberry.field(default=None, description="Null: the city (trade office).")
    date_from: date = strawberry.field(name="from")
    date_to: date = strawberry.field(name="to")


@strawberry.type
class ExportMarketReportPayload:
    report_export: ReportExportType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReportsQuery:
    @strawberry.field(
        description="Market admin: their market's report; trade office: any market, or the city with no marketId."
    )
    async def market_report(
        self,
        info: Info,
        date_from: Annotated[date, strawberry.argument(name="from")],
        date_to: Annotated[date, strawberry.argument(name="to")],
        market_id: relay.GlobalID | None = None,
    ) -> MarketReport:
        with query_errors(info):
            report = await reports_service.market_report(
                actor=await info.context.get_user(),
                market_id=decode_id(market_id, "Market", field="marketId") if market_id else None,
                date_from=date_from,
                date_to=date_to,
            )
        return await _report(report, info)


@strawberry.type
class ReportsMutation:
    @payload_mutation(description="Market admin / trade office: a CSV of the report's order lines, made by a job.")
    async def export_market_report(self, info: Info, input: ExportMarketReportInput) -> ExportMarketReportPayload:
        export = await reports_service.request_export(
            actor=await current_user(info),
            market_id=decode_id(input.market_id, "Market", field="marketId") if input.market_id else None,
            date_from=input.date_from,
            date_to=input.date_to,
        )
        return ExportMarketReportPayload(report_export=ReportExportType.from_model(export, info))
