"""Reports: a market's (or the city's) figures over a period (`metrics`) and its CSV export (`exports`),
both over the period's SQL in `periods`. The names other packages use are re-exported here.
"""

from src.services.common.dates import WIB
from src.services.reports.exports import (
    download_url,
    export_with_requester,
    fail_export,
    fail_stale_exports,
    request_export,
    visible_export,
    write_export,
)
from src.services.reports.metrics import Report, TopProduct, market_report
from src.services.reports.periods import bounds

__all__ = [
    "WIB",
    "Report",
    "TopProduct",
    "bounds",
    "download_url",
    "export_with_requester",
    "fail_export",
    "fail_stale_exports",
    "market_report",
    "request_export",
    "visible_export",
    "write_export",
]
