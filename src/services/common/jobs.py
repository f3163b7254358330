"""The names of the jobs the worker runs: one enum for every enqueuer (services and jobs) and `WorkerSettings`."""

from enum import StrEnum


class Job(StrEnum):
    """A job's name as arq knows it; the value is what goes into Redis, so renaming one strands queued jobs."""

    RECORD_HEARTBEAT = "record_heartbeat"
    DELIVER_OUTBOX_EVENT = "deliver_outbox_event"
    SEND_NOTIFICATION_EMAIL = "send_notification_email"
    SEND_NOTIFICATION_WEBHOOK = "send_notification_webhook"
    ASSIGN_COURIER = "assign_courier"
    EXPIRE_DELIVERY_OFFER = "expire_delivery_offer"
    EXPIRE_SUBSTITUTION = "expire_substitution"
    EXPORT_MARKET_REPORT = "export_market_report"
    PROCESS_PRODUCT_PHOTO = "process_product_photo"
    REQUEST_GATEWAY_QR = "request_gateway_qr"
    PAY_GATEWAY_REFUND = "pay_gateway_refund"
    # cron jobs
    SWEEP_PENDING_PHOTOS = "sweep_pending_photos"
    EXPIRE_UNPAID_ORDERS = "expire_unpaid_orders"
    SWEEP_DELIVERY_OFFERS = "sweep_delivery_offers"
    SWEEP_SUBSTITUTIONS = "sweep_substitutions"
    SWEEP_STALE_EXPORTS = "sweep_stale_exports"
    RELAY_OUTBOX = "relay_outbox"
    OPEN_AND_CLOSE_STALLS = "open_and_close_stalls"
