"""What notifications say, in Indonesian (the default) and English: order number, what changed, what next.

Rupiah are written the Indonesian way (Rp 13.300) and times in WIB, whatever the language.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from src.services.aftercare_texts import AFTERCARE_TEMPLATES, AFTERCARE_TIMELINE, aftercare_timeline
from src.services.common.dates import WIB, time_text
from src.services.common.i18n import decimal_text
from src.services.common.money import rupiah

__all__ = ["WIB", "decimal_text", "time_text"]  # where they lived before common/ (dates, i18n) took them

DAYS = {
    "id": ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
MONTHS = {
    "id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
           "November", "Desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}  # fmt: skip
WINDOWS = {
    "id": {"MORNING": "pagi (07.00–10.00)", "MIDDAY": "siang (11.00–13.00)", "AFTERNOON": "sore (15.00–17.00)"},
    "en": {
        "MORNING": "morning (07:00–10:00)",
        "MIDDAY": "midday (11:00–13:00)",
        "AFTERNOON": "afternoon (15:00–17:00)",
    },
}
PAYMENT = {
    "id": {"COD": "bayar di tempat", "BANK_TRANSFER": "transfer bank", "QRIS": "QRIS"},
    "en": {"COD": "cash on delivery", "BANK_TRANSFER": "bank transfer", "QRIS": "QRIS"},
}

# template name -> language -> (title, body)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "order_placed_trader": {
        "id": ("Pesanan baru {number}", "Pesanan baru untuk {stall}: {items}. Bagian Anda {subtotal}, diantar {slot}. "
               "Terima atau tolak di aplikasi."),
        "en": ("New order {number}", "New order for {stall}: {items}. Your part is {subtotal}, delivered {slot}. "
               "Accept or reject it in the app."),
    },
    "order_placed_buyer": {
        "id": ("Pesanan {number} diterima", "Terima kasih! Total {total} (ongkir {fee}), {payment}. "
               "Diantar {slot}."),
        "en": ("Order {number} received", "Thank you! Total {total} (delivery {fee}), {payment}. "
               "Delivered {slot}."),
    },
    "order_awaiting_payment_buyer": {
        "id": ("Bayar pesanan {number}", "Selesaikan pembayaran {amount} melalui {payment}{how} sebelum {due} WIB, "
               "atau pesanan batal otomatis."),
        "en": ("Pay for order {number}", "Pay {amount} by {payment}{how} before {due} WIB, or the order is cancelled."),
    },
    "payment_proof_admin": {
        "id": ("Bukti transfer {number}", "Pembeli mengirim bukti transfer {amount}. Periksa mutasi rekening, "
               "lalu konfirmasi pembayaran."),
        "en": ("Transfer proof for {number}", "The buyer sent a proof of transferring {amount}. Check the account "
               "statement, then confirm the payment."),
    },
    "stall_accepted_buyer": {
        "id": ("Pesanan {number} disiapkan", "{stall} sedang menyiapkan pesanan Anda."),
        "en": ("Order {number} is being prepared", "{stall} is preparing your order."),
    },
    "stall_rejected_buyer": {
        "id": ("Sebagian pesanan {number} ditolak", "{stall} tidak dapat memenuhi pesanan: {reason}. "
               "Total baru {total}."),
        "en": ("Part of order {number} rejected", "{stall} cannot supply its part: {reason}. New total {total}."),
    },
    "weighed_buyer": {
        "id": ("Berat pesanan {number} berubah", "{item} ditimbang {quantity}. Total baru {total}."),
        "en": ("Weight changed in order {number}", "{item} weighed {quantity}. New total {total}."),
    },
    "payment_confirmed_buyer": {
        "id": ("Pembayaran {number} diterima", "Pembayaran {total} sudah kami terima. Pesanan diteruskan ke pedagang."),
        "en": ("Payment for {number} received", "We received {total}. The order goes to the traders."),
    },
    "payment_confirmed_trader": {
        "id": ("Pesanan {number} sudah dibayar", "Siapkan bagian Anda ({subtotal}) untuk diantar {slot}."),
        "en": ("Order {number} is paid", "Prepare your part ({subtotal}) for delivery {slot}."),
    },
    "ready_buyer": {
        "id": ("Pesanan {number} siap diantar", "Semua barang sudah siap. Kurir akan mengantar {slot}."),
        "en": ("Order {number} is ready", "Everything is packed. A courier delivers it {slot}."),
    },
    "cancelled_buyer": {
        "id": ("Pesanan {number} dibatalkan", "Pesanan dibatalkan: {reason}."),
        "en": ("Order {number} cancelled", "The order was cancelled: {reason}."),
    },
    "cancelled_trader": {
        "id": ("Pesanan {number} dibatalkan", "Pesanan dibatalkan: {reason}. Stok sudah dikembalikan."),
        "en": ("Order {number} cancelled", "The order was cancelled: {reason}. The stock has been returned."),
    },
    "payment_expired_buyer": {
        "id": ("Pesanan {number} batal", "Pembayaran tidak diterima sebelum {due} WIB, jadi pesanan dibatalkan."),
        "en": ("Order {number} cancelled", "No payment arrived before {due} WIB, so the order was cancelled."),
    },
    "courier_assigned_buyer": {
        "id": ("Kurir untuk pesanan {number}", "{courier} ({courier_phone}) akan mengantar pesanan Anda {slot}."),
        "en": ("Courier for order {number}", "{courier} ({courier_phone}) delivers your order {slot}."),
    },
    "picked_up_buyer": {
        "id": ("Pesanan {number} dalam perjalanan", "Kurir sudah mengambil semua barang dan menuju alamat Anda."),
        "en": ("Order {number} is on its way", "The courier has collected everything and is on the way to you."),
    },
    "delivered_buyer": {
        "id": ("Pesanan {number} sudah diterima", "Pesanan sudah diantar. Terima kasih sudah berbelanja di pasar!"),
        "en": ("Order {number} delivered", "Your order has been delivered. Thank you for shopping at the market!"),
    },
    "delivery_failed_buyer": {
        "id": ("Pesanan {number} gagal diantar", "Kurir tidak dapat mengantar: {reason}. Pengelola pasar akan "
               "menghubungi Anda."),
        "en": ("Order {number} not delivered", "The courier could not deliver it: {reason}. The market admin will "
               "contact you."),
    },
    "delivery_failed_admin": {
        "id": ("Pengantaran {number} gagal", "{courier}: {reason}. Tugaskan kurir lagi atau batalkan pesanan."),
        "en": ("Delivery of {number} failed", "{courier}: {reason}. Assign a courier again or cancel the order."),
    },
    "no_courier_admin": {
        "id": ("Pesanan {number} belum ada kurir", "Tidak ada kurir yang tersedia. Tugaskan kurir secara manual."),
        "en": ("No courier for order {number}", "No courier is available. Assign one by hand."),
    },
    "cod_mismatch_admin": {
        "id": ("Selisih COD pesanan {number}", "Seharusnya {expected}, diterima {collected} oleh {courier}."),
        "en": ("COD difference on order {number}", "{expected} was due, {collected} collected by {courier}."),
    },
    "delivery_offered_courier": {
        "id": ("Tawaran antar {number}", "Ambil di pasar, antar {slot} ke {area} ({distance} km). Tagih {cod}. "
               "Terima dalam {minutes} menit."),
        "en": ("Delivery offer {number}", "Pick up at the market, deliver {slot} to {area} ({distance} km). "
               "Collect {cod}. Accept within {minutes} min."),
    },
    "delivery_assigned_courier": {
        "id": ("Tugas antar {number}", "Pengelola pasar menugaskan Anda: antar {slot} ke {area} ({distance} km). "
               "Tagih {cod}."),
        "en": ("Delivery {number} assigned", "The market admin assigned it to you: deliver {slot} to {area} "
               "({distance} km). Collect {cod}."),
    },
    "cancelled_courier": {
        "id": ("Pesanan {number} dibatalkan", "Jangan antar pesanan ini: {reason}. Bawa barang kembali ke pasar "
               "bila sudah diambil."),
        "en": ("Order {number} cancelled", "Do not deliver it: {reason}. Bring the goods back to the market if "
               "collected."),
    },
    "refund_created_buyer": {
        "id": ("Dana {amount} dikembalikan", "Pesanan {number}: {reason}, jadi {amount} kami kembalikan. {how}"),
        "en": ("{amount} to be refunded", "Order {number}: {reason}, so we give {amount} back. {how}"),
    },
    "refund_paid_buyer": {
        "id": ("Dana {amount} sudah dikembalikan", "Pengembalian {amount} untuk pesanan {number} sudah dikirim "
               "(referensi {reference})."),
        "en": ("{amount} refunded", "The refund of {amount} for order {number} has been sent (reference "
               "{reference})."),
    },
    "refund_to_pay_admin": {
        "id": ("Kembalikan {amount} ke pembeli", "Pesanan {number}: {reason}. Kirim {amount} ke pembeli, lalu "
               "catat referensinya."),
        "en": ("Refund {amount} to the buyer", "Order {number}: {reason}. Send {amount} to the buyer, then record "
               "its reference."),
    },
    "stall_applied_admin": {
        "id": ("Pengajuan lapak {stall_number}", "{trader} mengajukan lapak {stall} ({stall_number}) di {market}. "
               "Setujui atau tolak di daftar pengajuan."),
        "en": ("Stall application {stall_number}", "{trader} applied for the stall {stall} ({stall_number}) at "
               "{market}. Approve or reject it in the applications list."),
    },
    "stall_approved_trader": {
        "id": ("Lapak {stall} disetujui", "Lapak {stall} ({stall_number}) di {market} sudah disetujui. "
               "Atur jam buka dan mulai berjualan."),
        "en": ("Stall {stall} approved", "Your stall {stall} ({stall_number}) at {market} is approved. "
               "Set its opening hours and start selling."),
    },
    "stall_rejected_trader": {
        "id": ("Pengajuan lapak {stall} ditolak", "Pengajuan lapak {stall} ({stall_number}) di {market} ditolak: "
               "{reason}. Anda dapat mengajukan lagi."),
        "en": ("Stall application {stall} rejected", "Your application for {stall} ({stall_number}) at {market} "
               "was rejected: {reason}. You may apply again."),
    },
    "stall_suspended_trader": {
        "id": ("Lapak {stall} dibekukan", "Lapak {stall} ({stall_number}) di {market} dibekukan: {reason}. "
               "Hubungi pengelola pasar."),
        "en": ("Stall {stall} suspended", "Your stall {stall} ({stall_number}) at {market} is suspended: "
               "{reason}. Contact the market admin."),
    },
    "report_ready": {
        "id": ("Laporan {scope} siap", "Laporan {from} s.d. {to} ({rows} baris) siap diunduh selama satu jam."),
        "en": ("Report for {scope} ready", "The report {from} to {to} ({rows} rows) can be downloaded for an hour."),
    },
}  # fmt: skip
TEMPLATES.update(AFTERCARE_TEMPLATES)  # a missing item, its substitute, a complaint

CITY = {"id": "Kota Malang", "en": "Malang city"}
# Why money goes back (a refund's reason), and how it reaches the buyer (its method).
REFUND_REASONS = {
    "id": {"ORDER_CANCELLED": "pesanan dibatalkan", "PART_REJECTED": "sebagian pesanan ditolak pedagang",
           "ITEM_UNAVAILABLE": "barang tidak tersedia", "WEIGHED_LESS": "timbangan lebih ringan dari pesanan",
           "LATE_PAYMENT": "pembayaran diterima setelah pesanan batal", "COMPLAINT": "keluhan Anda diterima"},
    "en": {"ORDER_CANCELLED": "the order was cancelled", "PART_REJECTED": "a trader rejected part of it",
           "ITEM_UNAVAILABLE": "an item was unavailable", "WEIGHED_LESS": "it weighed less than ordered",
           "LATE_PAYMENT": "the payment arrived after the order was cancelled",
           "COMPLAINT": "your complaint was upheld"},
}  # fmt: skip
REFUND_HOW = {
    "id": {"MANUAL": "Pengelola pasar akan mentransfernya ke Anda.",
           "GATEWAY": "Dana kembali otomatis ke cara bayar Anda."},
    "en": {"MANUAL": "The market admin will transfer it to you.", "GATEWAY": "It goes back to how you paid."},
}  # fmt: skip
BUYERS_ADDRESS = {"id": "alamat pembeli", "en": "the buyer's address"}

REASONS = {
    "PAYMENT_EXPIRED": {"id": "pembayaran tidak diterima tepat waktu", "en": "the payment did not arrive in time"},
    "ALL_PARTS_REJECTED": {"id": "semua pedagang menolak", "en": "every trader rejected it"},
    "REASSIGNED": {
        "id": "dialihkan ke kurir lain oleh pengelola pasar",
        "en": "given to another courier by the market admin",
    },
}


def slot_text(day: date, window: str, language: str) -> str:
    """Sabtu, 28 November 2026 pagi (07.00–10.00)."""
    lang = language if language in DAYS else "id"
    return f"{DAYS[lang][day.weekday()]}, {day.day} {MONTHS[lang][day.month - 1]} {day.year} {WINDOWS[lang][window]}"


def reason_text(reason: str, language: str) -> str:
    return REASONS.get(reason, {}).get(language, reason)


def quantity_text(quantity: str, unit: str, language: str) -> str:
    """0,35 kg in Indonesian (a decimal comma), 0.35 kg in English."""
    return f"{decimal_text(quantity, language)} {unit.lower()}".strip()


# What people read for a status (never its code), by the thing that has it.
STATUS_NAMES: dict[str, dict[str, dict[str, str]]] = {
    "order": {
        "id": {"AWAITING_PAYMENT": "menunggu pembayaran", "PLACED": "menunggu konfirmasi pedagang",
               "PROCESSING": "sedang disiapkan", "READY_FOR_PICKUP": "siap diambil kurir",
               "OUT_FOR_DELIVERY": "sedang diantar", "DELIVERED": "sudah diterima", "CANCELLED": "dibatalkan"},
        "en": {"AWAITING_PAYMENT": "awaiting payment", "PLACED": "waiting for the traders",
               "PROCESSING": "being prepared", "READY_FOR_PICKUP": "ready for the courier",
               "OUT_FOR_DELIVERY": "out for delivery", "DELIVERED": "delivered", "CANCELLED": "cancelled"},
    },
    "stall_order": {
        "id": {"PENDING": "menunggu konfirmasi", "ACCEPTED": "sedang disiapkan", "REJECTED": "ditolak",
               "READY": "siap diambil", "CANCELLED": "dibatalkan"},
        "en": {"PENDING": "awaiting confirmation", "ACCEPTED": "being prepared", "REJECTED": "rejected",
               "READY": "ready for pickup", "CANCELLED": "cancelled"},
    },
    "assignment": {
        "id": {"OFFERED": "ditawarkan", "ACCEPTED": "diterima kurir", "DECLINED": "ditolak kurir",
               "EXPIRED": "kedaluwarsa", "WITHDRAWN": "ditarik", "PICKED_UP": "sudah diambil",
               "DELIVERED": "sudah diantar", "FAILED": "gagal diantar"},
        "en": {"OFFERED": "offered", "ACCEPTED": "accepted", "DECLINED": "declined", "EXPIRED": "expired",
               "WITHDRAWN": "withdrawn", "PICKED_UP": "picked up", "DELIVERED": "delivered", "FAILED": "failed"},
    },
}  # fmt: skip


@dataclass(frozen=True)
class StatusName:
    """A status as a message parameter: its name in the reader's language, not its code."""

    kind: str  # a key of STATUS_NAMES
    status: str

    def localize(self, language: str) -> str:
        names = STATUS_NAMES[self.kind]
        return (names.get(language) or names["id"]).get(self.status, self.status)


# An order's timeline, told to whoever reads it in their language (events store a type and parameters).
TIMELINE: dict[str, dict[str, str]] = {
    "WEIGHED": {"id": "{item} ditimbang {quantity}", "en": "{item} weighed {quantity}"},
    "COD_MISMATCH": {"id": "Seharusnya {expected}, diterima {collected}",
                     "en": "{expected} was due, {collected} collected"},
    "LATE_PAYMENT_RECEIVED": {"id": "Pembayaran {amount} diterima setelah pesanan batal; dikembalikan",
                              "en": "{amount} paid after the order was cancelled; given back"},
}  # fmt: skip


def timeline_text(kind: str, message: str, params: dict[str, Any] | None, language: str) -> str:
    """An event's message for a reader: from its parameters when it has them (amounts as rupiah,
    quantities with the reader's decimal mark), a system reason by its name, else the words as written."""
    lang = language if language in DAYS else "id"
    if params and kind == "WEIGHED":
        quantity = quantity_text(str(params.get("quantity", "")), str(params.get("unit", "")), lang)
        return TIMELINE[kind][lang].format(item=params.get("item", ""), quantity=quantity)
    if params and kind == "LATE_PAYMENT_RECEIVED":
        return TIMELINE[kind][lang].format(amount=rupiah(int(params.get("amount") or 0)))
    if params and kind in AFTERCARE_TIMELINE:
        return aftercare_timeline(kind, message, params, lang, quantity_text)
    if params and kind == "COD_MISMATCH":
        amounts = {k: rupiah(int(params.get(k) or 0)) for k in ("expected", "collected")}
        return TIMELINE[kind][lang].format(**amounts)
    return reason_text(message, lang)


def render(template: str, language: str, params: dict[str, Any]) -> tuple[str, str]:
    texts = TEMPLATES[template].get(language) or TEMPLATES[template]["id"]
    return texts[0].format(**params), texts[1].format(**params)
