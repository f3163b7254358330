"""Messages shown to people, in Indonesian (the default) and English."""

from decimal import Decimal
from typing import Any

from src.services.common.aftercare_messages import AFTERCARE_MESSAGES
from src.services.common.habits_messages import HABITS_MESSAGES
from src.services.common.hours_messages import HOURS_MESSAGES
from src.services.common.money_messages import MONEY_MESSAGES
from src.services.common.morning_messages import MORNING_MESSAGES

LANGUAGES = ("id", "en")


def plain(value: Decimal) -> str:
    """A decimal's digits as the API and messages keep them: no exponent, no trailing zeros (2.100 → 2.1)."""
    return format(value.normalize(), "f") if value.is_finite() else str(value)


def decimal_text(value: Decimal | str, language: str) -> str:
    """0,25 in Indonesian (a decimal comma), 0.25 in English; no exponent, no trailing zeros."""
    if isinstance(value, Decimal):
        value = plain(value)
    return value.replace(".", ",") if language == "id" else value


# Keys are error codes or more specific message keys; values are str.format templates.
MESSAGES: dict[str, dict[str, str]] = {
    "INVALID_INPUT": {"id": "Data tidak valid.", "en": "Invalid input."},
    "NOT_FOUND": {"id": "Data tidak ditemukan.", "en": "Not found."},
    "UNAUTHENTICATED": {
        "id": "Silakan masuk terlebih dahulu.",
        "en": "Please log in first.",
    },
    "PERMISSION_DENIED": {
        "id": "Anda tidak berhak melakukan tindakan ini.",
        "en": "You are not allowed to do this.",
    },
    "INVALID_STATE": {
        "id": "Tindakan ini tidak dapat dilakukan pada status saat ini.",
        "en": "This cannot be done in the current state.",
    },
    "INVALID_PHONE": {
        "id": "Nomor HP tidak valid. Gunakan nomor seluler Indonesia, misalnya 0812-3456-7890.",
        "en": "Invalid phone number. Use an Indonesian mobile number, e.g. 0812-3456-7890.",
    },
    "PHONE_TAKEN": {
        "id": "Nomor HP ini sudah terdaftar.",
        "en": "This phone number is already registered.",
    },
    "WEAK_PASSWORD": {
        "id": "Kata sandi minimal {min_length} karakter.",
        "en": "The password must be at least {min_length} characters long.",
    },
    "COMMON_PASSWORD": {
        "id": "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain.",
        "en": "This password is too common and easy to guess. Choose another.",
    },
    "INVALID_CREDENTIALS": {
        "id": "Nomor HP atau kata sandi salah.",
        "en": "Wrong phone number or password.",
    },
    "INVALID_TOKEN": {
        "id": "Sesi tidak valid atau sudah berakhir. Silakan masuk kembali.",
        "en": "The session is invalid or has expired. Please log in again.",
    },
    "TOO_MANY_ATTEMPTS": {
        "id": "Terlalu banyak percobaan. Coba lagi dalam {minutes} menit.",
        "en": "Too many attempts. Try again in {minutes} minutes.",
    },
    "SERVICE_UNAVAILABLE": {
        "id": "Layanan sedang tidak tersedia. Coba lagi sebentar lagi.",
        "en": "The service is temporarily unavailable. Please try again shortly.",
    },
    "ALREADY_EXISTS": {"id": "Data ini sudah ada.", "en": "This already exists."},
    "STALL_NUMBER_TAKEN": {
        "id": "Nomor lapak ini sudah dipakai di pasar tersebut.",
        "en": "This stall number is already taken in that market.",
    },
    "ALREADY_HAS_STALL": {
        "id": "Anda sudah memiliki lapak.",
        "en": "You already have a stall.",
    },
    "NO_STALL": {
        "id": "Anda belum memiliki lapak. Ajukan lapak terlebih dahulu.",
        "en": "You have no stall yet. Apply for one first.",
    },
    "REASON_REQUIRED": {"id": "Alasan wajib diisi.", "en": "A reason is required."},
    "STALL_NOT_APPROVED": {
        "id": "Lapak belum disetujui pengelola pasar.",
        "en": "The stall has not been approved by the market admin.",
    },
    "MUST_BE_POSITIVE": {"id": "Harus lebih dari nol.", "en": "Must be greater than zero."},
    "MUST_NOT_BE_NEGATIVE": {"id": "Tidak boleh negatif.", "en": "Must not be negative."},
    "TOO_MANY_DECIMALS": {
        "id": "Maksimal {places} angka di belakang koma.",
        "en": "At most {places} decimal places.",
    },
    "PRICE_TOO_HIGH": {"id": "Harga terlalu tinggi.", "en": "The price is too high."},
    "STEP_MUST_DIVIDE_MINIMUM": {
        "id": "Jumlah minimum harus kelipatan dari kelipatan pembelian.",
        "en": "The minimum quantity must be a multiple of the quantity step.",
    },
    "UNKNOWN_UNIT": {
        "id": "Satuan tidak dikenal. Pilihan: {units}.",
        "en": "Unknown unit. Choose one of: {units}.",
    },
    "TIERS_OUT_OF_ORDER": {
        "id": "Harga grosir harus urut: jumlah makin besar, harga makin murah, dan di bawah harga satuan.",
        "en": "Wholesale tiers must have ascending quantities and descending prices below the unit price.",
    },
    "TIER_BELOW_MINIMUM": {
        "id": "Jumlah harga grosir harus minimal jumlah pembelian minimum dan sesuai kelipatan.",
        "en": "A tier quantity must be at least the minimum quantity and on the quantity step.",
    },
    "TOO_MANY_TIERS": {"id": "Maksimal {max} harga grosir.", "en": "At most {max} wholesale tiers."},
    "UNSUPPORTED_IMAGE_TYPE": {
        "id": "Format foto harus JPEG, PNG atau WebP.",
        "en": "The photo must be a JPEG, PNG or WebP image.",
    },
    "PHOTO_TOO_BIG": {
        "id": "Ukuran foto maksimal {megabytes} MB.",
        "en": "A photo may be at most {megabytes} MB.",
    },
    "TOO_MANY_PHOTOS": {
        "id": "Satu produk paling banyak {max} foto. Hapus foto lama terlebih dahulu.",
        "en": "A product may have at most {max} photos. Delete an old one first.",
    },
    "UPLOAD_MISSING": {
        "id": "Foto belum terunggah. Unggah lagi lalu coba kembali.",
        "en": "The photo has not arrived. Upload it again, then retry.",
    },
    "NOT_AN_IMAGE": {
        "id": "Berkas ini bukan foto JPEG, PNG atau WebP.",
        "en": "This file is not a JPEG, PNG or WebP photo.",
    },
    "IMAGE_TOO_LARGE": {
        "id": "Resolusi foto terlalu besar. Kirim foto dengan resolusi lebih kecil.",
        "en": "The photo's resolution is too large. Send a smaller one.",
    },
    "DAMAGED_IMAGE": {
        "id": "Foto rusak atau tidak lengkap. Coba unggah ulang.",
        "en": "The photo is damaged or incomplete. Try uploading it again.",
    },
    "STORAGE_UNAVAILABLE": {
        "id": "Penyimpanan foto sedang bermasalah. Coba unggah lagi nanti.",
        "en": "Photo storage is having trouble. Try uploading again later.",
    },
    "PROCESSING_FAILED": {
        "id": "Foto gagal diproses. Coba unggah lagi.",
        "en": "The photo could not be processed. Try uploading it again.",
    },
    "DIFFERENT_MARKET": {
        "id": "Keranjang hanya untuk satu pasar. Kosongkan keranjang untuk belanja di pasar lain.",
        "en": "A cart holds one market's goods. Clear it to shop at another market.",
    },
    "OUT_OF_STOCK": {"id": "Stok tidak cukup (tersisa {available}).", "en": "Not enough stock ({available} left)."},
    "OUT_OF_DELIVERY_AREA": {
        "id": "Alamat di luar jangkauan antar pasar ini ({radius} km).",
        "en": "The address is beyond this market's delivery radius ({radius} km).",
    },
    "SLOT_UNAVAILABLE": {
        "id": "Jadwal antar tidak tersedia. Pilih hari ini sampai {days} hari ke depan, sebelum batas pesan.",
        "en": "This delivery slot is not available. Pick today to {days} days ahead, before its cut-off.",
    },
    "SLOT_FULL": {"id": "Jadwal antar ini sudah penuh.", "en": "This delivery slot is full."},
    "COD_LIMIT": {
        "id": "Bayar di tempat maksimal {limit}. Pilih transfer bank atau QRIS.",
        "en": "Cash on delivery is limited to {limit}. Choose bank transfer or QRIS.",
    },
    "IDEMPOTENCY_KEY_REUSED": {
        "id": "Kunci pesanan ini sudah dipakai untuk pesanan lain.",
        "en": "This idempotency key was used for a different order.",
    },
    "CART_EMPTY": {"id": "Keranjang kosong.", "en": "The cart is empty."},
    "QUANTITY_NOT_ON_STEP": {
        "id": "Jumlah minimal {minimum}, dengan kelipatan {step}.",
        "en": "At least {minimum}, in steps of {step}.",
    },
    "ORDER_STATE": {
        "id": "Tidak dapat dilakukan: status pesanan {status}.",
        "en": "Not possible while the order is {status}.",
    },
    "STALL_ORDER_STATE": {
        "id": "Tidak dapat dilakukan: bagian pesanan lapak ini {status}.",
        "en": "Not possible while this stall's part of the order is {status}.",
    },
    "TOO_MANY_LINES": {
        "id": "Satu pesanan paling banyak {max} baris barang; gabungkan barang yang sama.",
        "en": "An order may have at most {max} lines; combine lines of the same product.",
    },
    "ASSIGNMENT_STATE": {
        "id": "Tidak dapat dilakukan: status pengantaran {status}.",
        "en": "Not possible while the delivery is {status}.",
    },
    "OFFER_EXPIRED": {
        "id": "Waktu menerima tawaran ini sudah habis; pesanan diteruskan ke kurir lain.",
        "en": "This offer has expired; the order went to another courier.",
    },
    "COURIER_OTHER_MARKET": {
        "id": "Kurir ini bukan kurir pasar pesanan tersebut.",
        "en": "This courier does not serve the order's market.",
    },
    "COURIER_INACTIVE": {"id": "Akun kurir ini nonaktif.", "en": "This courier's account is deactivated."},
    "COURIER_REQUIRED": {"id": "Pilih kurir.", "en": "Choose a courier."},
    "INVALID_LOCATION": {
        "id": "Lokasi tidak valid: lintang -90..90 dan bujur -180..180, keduanya diisi.",
        "en": "Invalid location: latitude -90..90 and longitude -180..180, both given.",
    },
    "NEGATIVE_AMOUNT": {"id": "Jumlah tidak boleh negatif.", "en": "The amount cannot be negative."},
    "COD_AMOUNT_REQUIRED": {
        "id": "Isi jumlah uang tunai yang diterima dari pembeli (bayar di tempat).",
        "en": "Enter the cash collected from the buyer (cash on delivery).",
    },
    "NOTHING_TO_COLLECT": {
        "id": "Pesanan ini sudah dibayar; tidak ada uang tunai yang ditagih.",
        "en": "This order is paid; there is no cash to collect.",
    },
    "PERIOD_ORDER": {
        "id": "Tanggal akhir harus sesudah tanggal awal.",
        "en": "The end date must not be before the start.",
    },
    "PERIOD_TOO_LONG": {
        "id": "Periode laporan paling panjang {days} hari.",
        "en": "A report covers at most {days} days.",
    },
    "DATE_OUT_OF_RANGE": {
        "id": "Tanggal harus antara {first} dan {last}.",
        "en": "The date must be between {first} and {last}.",
    },
    "EXPORT_FAILED": {
        "id": "Ekspor laporan gagal dibuat. Silakan minta ekspor lagi.",
        "en": "The report export could not be made. Please request it again.",
    },
    "EXPORT_STORAGE_UNAVAILABLE": {
        "id": "Penyimpanan file sedang bermasalah; ekspor laporan gagal. Silakan minta ekspor lagi nanti.",
        "en": "File storage is having trouble; the report export failed. Please request it again later.",
    },
    "NOT_WEIGHED": {"id": "Barang ini tidak ditimbang.", "en": "This item is not weighed."},
    "OUTSIDE_TOLERANCE": {
        "id": "Berat timbangan boleh berbeda paling banyak {percent}% dari pesanan.",
        "en": "The weighed amount may differ from the order by at most {percent}%.",
    },
    "PAGE_SIZE": {
        "id": "Jumlah per halaman harus antara 1 dan {max}.",
        "en": "The page size must be between 1 and {max}.",
    },
    "REQUIRED": {"id": "Wajib diisi.", "en": "This field is required."},
    "TOO_LONG": {
        "id": "Maksimal {max_length} karakter.",
        "en": "At most {max_length} characters.",
    },
    "BUSINESS_NAME_REQUIRED": {
        "id": "Nama usaha wajib diisi untuk pembeli usaha.",
        "en": "A business name is required for business buyers.",
    },
    "MARKET_REQUIRED": {
        "id": "Pilih pasar untuk staf ini.",
        "en": "Choose a market for this staff member.",
    },
    # Input rules that hold for every argument of the API (src/schema/input_rules.py).
    "CONTROL_CHARACTERS": {
        "id": "Teks berisi karakter kontrol yang tidak diizinkan (misalnya NUL). Hapus lalu kirim lagi.",
        "en": "The text contains control characters that are not allowed (such as NUL). Remove them and retry.",
    },
    "NOT_A_NUMBER": {
        "id": "Harus berupa angka, misalnya 0,25.",
        "en": "Must be a number, e.g. 0.25.",
    },
    "NUMBER_TOO_LARGE": {"id": "Angka terlalu besar.", "en": "The number is too large."},
    "INVALID_ID": {
        "id": "ID tidak valid: gunakan ID yang diberikan API.",
        "en": "Not a valid ID: use an ID the API gave you.",
    },
    # Limits of a GraphQL document (src/schema/limits.py).
    "QUERY_TOO_DEEP": {
        "id": "Kueri terlalu dalam: paling banyak {max} tingkat.",
        "en": "The query is too deep: at most {max} levels.",
    },
    "TOO_MANY_ALIASES": {
        "id": "Kueri memakai terlalu banyak alias: paling banyak {max}.",
        "en": "The query uses too many aliases: at most {max}.",
    },
    "QUERY_TOO_LARGE": {
        "id": "Kueri terlalu besar: paling banyak {max} token.",
        "en": "The query is too large: at most {max} tokens.",
    },
    "REQUEST_UNREADABLE": {
        "id": "Permintaan tidak dapat dibaca: kirim JSON GraphQL atau multipart dengan header preflight.",
        "en": "The request could not be read: send GraphQL JSON or multipart with a preflight header.",
    },
    "SUBSCRIPTION_NEEDS_WEBSOCKET": {
        "id": "Langganan (subscription) hanya tersedia lewat WebSocket (graphql-transport-ws) di /graphql.",
        "en": "Subscriptions are served over a WebSocket (graphql-transport-ws) at /graphql only.",
    },
    "TOO_MANY_VALIDATION_ERRORS": {
        "id": "Kueri memiliki terlalu banyak kesalahan; pemeriksaan dihentikan.",
        "en": "The query has too many errors; validation stopped.",
    },
}
MESSAGES.update(MONEY_MESSAGES)
MESSAGES.update(MORNING_MESSAGES)
MESSAGES.update(HOURS_MESSAGES)
MESSAGES.update(HABITS_MESSAGES)
MESSAGES.update(AFTERCARE_MESSAGES)


def pick_language(accept_language: str | None, default: str = "id") -> str:
    """The first supported language in an Accept-Language header, by its quality values."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-", 1)[0]))
    for negative_quality, _, language in sorted(ranked):
        if negative_quality < 0 and language in LANGUAGES:
            return language
    return default


def _localized(value: Any, language: str) -> Any:
    """A parameter as its reader writes it: decimals with their decimal mark (0,25 / 0.25), amounts of
    money (`Rupiah`) as Rp 50.840, statuses (`StatusName`) by their names."""
    if hasattr(value, "localize"):
        return value.localize(language)
    if isinstance(value, Decimal):
        return decimal_text(value, language)
    return value


def translate(key: str, language: str, **params: Any) -> str:
    """The message for a key in a language, falling back to Indonesian, then to the key itself."""
    templates = MESSAGES.get(key)
    if templates is None:
        return key
    lang = language if language in templates else "id"
    template = templates[lang]
    try:
        return template.format(**{name: _localized(value, lang) for name, value in params.items()})
    except (KeyError, IndexError):
        return template
