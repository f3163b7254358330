"""Messages shown to people, in Indonesian (the default) and English."""

from typing import Any

LANGUAGES = ("id", "en")

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
}


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


def translate(key: str, language: str, **params: Any) -> str:
    """The message for a key in a language, falling back to Indonesian, then to the key itself."""
    templates = MESSAGES.get(key)
    if templates is None:
        return key
    template = templates.get(language) or templates["id"]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
