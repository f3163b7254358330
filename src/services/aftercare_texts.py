"""What notifications and the timeline say of a missing item, its substitute and a complaint, in Indonesian (the
default) and English; merged into `notification_texts`."""

from datetime import datetime
from typing import Any

from src.services.common.money import rupiah

# template name -> language -> (title, body)
AFTERCARE_TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "item_unavailable_buyer": {
        "id": ("{item} tidak tersedia – pesanan {number}", "{stall}: {item} tidak tersedia ({why}) dan dikeluarkan "
               "dari pesanan. Total baru {total}."),
        "en": ("{item} unavailable – order {number}", "{stall}: {item} is unavailable ({why}) and has left the "
               "order. New total {total}."),
    },
    "substitution_proposed_buyer": {
        "id": ("Barang pengganti untuk {item}", "{stall} tidak punya {item} ({why}) dan menawarkan {substitute} "
               "{quantity} seharga {price}. Jawab sebelum {until} WIB; tanpa jawaban, {item} dikeluarkan dari "
               "pesanan {number}."),
        "en": ("A substitute for {item}", "{stall} has no {item} ({why}) and offers {substitute} {quantity} for "
               "{price}. Answer before {until} WIB; without an answer, {item} leaves order {number}."),
    },
    "substitution_accepted_trader": {
        "id": ("Pengganti diterima – {number}", "Pembeli menerima {substitute} {quantity} sebagai pengganti {item}. "
               "Bagian Anda kini {subtotal}."),
        "en": ("Substitute accepted – {number}", "The buyer accepted {substitute} {quantity} instead of {item}. "
               "Your part is now {subtotal}."),
    },
    "substitution_declined_trader": {
        "id": ("Pengganti ditolak – {number}", "Pembeli menolak pengganti {item}; barang itu dikeluarkan dari "
               "pesanan. Bagian Anda kini {subtotal}."),
        "en": ("Substitute declined – {number}", "The buyer declined the substitute for {item}; it has left the "
               "order. Your part is now {subtotal}."),
    },
    "substitution_expired_buyer": {
        "id": ("{item} dikeluarkan – pesanan {number}", "Tidak ada jawaban atas barang pengganti, jadi {item} "
               "dikeluarkan dari pesanan. Total baru {total}."),
        "en": ("{item} left order {number}", "The substitute was not answered in time, so {item} has left the "
               "order. New total {total}."),
    },
    "substitution_expired_trader": {
        "id": ("Pengganti tidak dijawab – {number}", "Pembeli tidak menjawab pengganti {item}; barang itu "
               "dikeluarkan dari pesanan. Bagian Anda kini {subtotal}."),
        "en": ("Substitute not answered – {number}", "The buyer did not answer the substitute for {item}; it has "
               "left the order. Your part is now {subtotal}."),
    },
    "complaint_opened_trader": {
        "id": ("Keluhan pesanan {number}", "Pembeli mengeluhkan bagian {stall}: {why}. Pengelola pasar akan "
               "menindaklanjuti."),
        "en": ("Complaint about order {number}", "The buyer complains about {stall}'s part: {why}. The market "
               "admin will follow it up."),
    },
    "complaint_opened_admin": {
        "id": ("Keluhan pesanan {number}", "Pembeli mengeluhkan bagian {stall}: {why}. Selesaikan keluhan ini."),
        "en": ("Complaint about order {number}", "The buyer complains about {stall}'s part: {why}. Please "
               "resolve it."),
    },
    "complaint_order_admin": {
        "id": ("Keluhan pesanan {number}", "Pembeli mengeluhkan pesanannya: {why}. Selesaikan keluhan ini."),
        "en": ("Complaint about order {number}", "The buyer complains about the order: {why}. Please resolve it."),
    },
    "complaint_refunded_buyer": {
        "id": ("Keluhan {number} diterima", "{amount} dikembalikan kepada Anda. Catatan pengelola pasar: {why}"),
        "en": ("Complaint about {number} accepted", "{amount} is refunded to you. The market admin's note: {why}"),
    },
    "complaint_rejected_buyer": {
        "id": ("Keluhan {number} ditolak", "Keluhan Anda tidak dikabulkan. Catatan pengelola pasar: {why}"),
        "en": ("Complaint about {number} rejected", "Your complaint was not granted. The market admin's note: {why}"),
    },
    "complaint_refunded_trader": {
        "id": ("Keluhan {number}: uang dikembalikan", "Pembeli menerima kembali {amount} atas bagian {stall}; "
               "jumlah ini dipotong dari saldo Anda. Catatan: {why}"),
        "en": ("Complaint about {number}: refunded", "The buyer gets {amount} back for {stall}'s part; it comes off "
               "your balance. Note: {why}"),
    },
    "complaint_rejected_trader": {
        "id": ("Keluhan {number} ditolak", "Keluhan atas bagian {stall} ditolak pengelola pasar. Catatan: {why}"),
        "en": ("Complaint about {number} rejected", "The complaint about {stall}'s part was rejected by the market "
               "admin. Note: {why}"),
    },
}  # fmt: skip

# An order's timeline: what the system says of these steps (a person's words are kept as written).
AFTERCARE_TIMELINE: dict[str, dict[str, str]] = {
    "ITEM_UNAVAILABLE": {"id": "{item} tidak tersedia: {why}", "en": "{item} unavailable: {why}"},
    "SUBSTITUTION_PROPOSED": {"id": "{item} tidak tersedia ({why}), ditawarkan {substitute} {quantity}",
                              "en": "{item} unavailable ({why}), {substitute} {quantity} offered"},
    "SUBSTITUTION_ACCEPTED": {"id": "{substitute} {quantity} menggantikan {item}",
                              "en": "{substitute} {quantity} instead of {item}"},
    "SUBSTITUTION_DECLINED": {"id": "Pengganti {item} ditolak, {item} dikeluarkan",
                              "en": "Substitute for {item} declined, {item} left the order"},
    "SUBSTITUTION_EXPIRED": {"id": "Pengganti {item} tidak dijawab, {item} dikeluarkan",
                             "en": "Substitute for {item} not answered, {item} left the order"},
    "COMPLAINT_RESOLVED": {"id": "Keluhan {outcome}: {why}", "en": "Complaint {outcome}: {why}"},
}  # fmt: skip
OUTCOMES = {
    "id": {"REFUND": "diterima, {amount} dikembalikan", "REJECT": "ditolak"},
    "en": {"REFUND": "accepted, {amount} refunded", "REJECT": "rejected"},
}


def aftercare_params(payload: dict[str, Any], language: str, quantity_text: Any, time_text: Any) -> dict[str, Any]:
    """A step's parameters as its reader writes them: quantities with their decimal mark, rupiah, WIB times."""
    expires = payload.get("expires_at")
    return {
        "item": payload.get("item", ""),
        "substitute": payload.get("substitute", ""),
        "quantity": quantity_text(str(payload.get("quantity", "")), str(payload.get("unit", "")), language),
        "price": rupiah(int(payload.get("line_total") or 0)),
        "amount": rupiah(int(payload.get("amount") or 0)),
        "until": time_text(datetime.fromisoformat(str(expires))) if expires else "",
        "why": payload.get("message", ""),
    }


def aftercare_timeline(kind: str, message: str, params: dict[str, Any], language: str, quantity_text: Any) -> str:
    """The timeline's words for one of these steps, in the reader's language."""
    told = aftercare_params({**params, "message": message}, language, quantity_text, lambda moment: "")
    outcome = OUTCOMES[language].get(str(params.get("resolution", "")), "")
    return AFTERCARE_TIMELINE[kind][language].format(**told, outcome=outcome.format(**told))
