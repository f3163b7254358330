"""Messages of the money domain (payments, refunds, payouts), in Indonesian and English; part of `i18n.MESSAGES`."""

MONEY_MESSAGES: dict[str, dict[str, str]] = {
    "INVALID_QRIS": {"id": "Kode QRIS tidak valid.", "en": "Invalid QRIS code."},
    "QRIS_STRUCTURE": {
        "id": "Kode QRIS tidak valid: susunan datanya rusak (bukan format EMVCo).",
        "en": "Invalid QRIS code: its data structure is broken (not EMVCo format).",
    },
    "QRIS_PAYLOAD_FORMAT": {
        "id": "Kode QRIS tidak valid: harus diawali format payload 01 (tag 00).",
        "en": "Invalid QRIS code: it must start with payload format 01 (tag 00).",
    },
    "QRIS_CRC_MISSING": {
        "id": "Kode QRIS tidak valid: CRC (tag 63) tidak ada di akhir kode.",
        "en": "Invalid QRIS code: the CRC (tag 63) is missing at its end.",
    },
    "QRIS_CRC": {
        "id": "Kode QRIS tidak valid: CRC (tag 63) tidak cocok; kode mungkin salah salin.",
        "en": "Invalid QRIS code: the CRC (tag 63) does not match; the code may be mistyped.",
    },
    "QRIS_POINT_OF_INITIATION": {
        "id": "Kode QRIS tidak valid: jenis QR (tag 01) harus 11 (statis) atau 12 (dinamis).",
        "en": "Invalid QRIS code: the point of initiation (tag 01) must be 11 (static) or 12 (dynamic).",
    },
    "QRIS_MERCHANT_ACCOUNT": {
        "id": "Kode QRIS tidak valid: informasi akun merchant (tag 26–51) tidak ada atau rusak.",
        "en": "Invalid QRIS code: the merchant account information (tags 26–51) is missing or broken.",
    },
    "QRIS_CURRENCY": {
        "id": "Kode QRIS tidak valid: mata uang (tag 53) harus 360 (Rupiah).",
        "en": "Invalid QRIS code: the currency (tag 53) must be 360 (rupiah).",
    },
    "QRIS_COUNTRY": {
        "id": "Kode QRIS tidak valid: kode negara (tag 58) harus ID.",
        "en": "Invalid QRIS code: the country code (tag 58) must be ID.",
    },
    "QRIS_MERCHANT_NAME": {
        "id": "Kode QRIS tidak valid: nama merchant (tag 59) tidak ada.",
        "en": "Invalid QRIS code: the merchant name (tag 59) is missing.",
    },
    "QRIS_CATEGORY": {
        "id": "Kode QRIS tidak valid: kategori merchant (tag 52) harus 4 angka.",
        "en": "Invalid QRIS code: the merchant category (tag 52) must be 4 digits.",
    },
    "NO_PAYMENT_SETTINGS": {
        "id": "Pasar ini belum bisa menerima pembayaran dengan cara ini. Pilih cara bayar lain.",
        "en": "This market cannot take payment this way yet. Choose another payment method.",
    },
    "NO_UNIQUE_CODE": {
        "id": "Terlalu banyak transfer terbuka dengan jumlah ini; coba lagi sebentar lagi atau pilih QRIS.",
        "en": "Too many open transfers of this amount; try again shortly or choose QRIS.",
    },
    "ACCOUNT_NUMBER": {
        "id": "Nomor rekening hanya angka, 5 sampai 20 digit.",
        "en": "An account number is 5 to 20 digits.",
    },
    "BANK_ACCOUNT_INCOMPLETE": {
        "id": "Isi nama bank, nomor rekening dan nama pemilik rekening bersama-sama.",
        "en": "Give the bank name, account number and account holder together.",
    },
    "STALL_SETTINGS_NOT_ALLOWED": {
        "id": "Pasar ini tidak mengizinkan lapak menerima pembayaran sendiri.",
        "en": "This market does not let stalls take payment themselves.",
    },
    "AMOUNT_ABOVE_BALANCE": {
        "id": "Jumlah melebihi saldo yang terutang ({balance}).",
        "en": "The amount is more than the balance owed ({balance}).",
    },
    "GATEWAY_NOT_CONFIGURED": {
        "id": "Gateway pembayaran ini belum dipasang di server.",
        "en": "This payment gateway is not set up on the server.",
    },
    "AMOUNT_POSITIVE": {"id": "Jumlah harus lebih dari nol.", "en": "The amount must be more than zero."},
    "REFERENCE_REQUIRED": {
        "id": "Isi nomor referensi transfer.",
        "en": "Give the transfer's reference.",
    },
    "PAYMENT_NOT_EXPECTED": {
        "id": "Pesanan ini tidak menunggu pembayaran.",
        "en": "This order is not waiting for a payment.",
    },
    "REFERENCE_USED": {
        "id": "Nomor referensi ini sudah dipakai untuk jumlah lain.",
        "en": "This reference was already used for another amount.",
    },
    "RECEIPT_REQUIRED": {
        "id": "Isi nomor tanda terima setoran.",
        "en": "Give the remittance's receipt number.",
    },
    "STALL_REQUIRED": {"id": "Pilih lapak.", "en": "Choose a stall."},
    "ALREADY_PAID": {
        "id": "Pembayaran pesanan ini sudah dicatat (dan dikembalikan bila pesanan batal).",
        "en": "This order's payment is already recorded (and given back if the order was cancelled).",
    },
    "REFUND_ALREADY_PAID": {
        "id": "Pengembalian dana ini sudah dibayar.",
        "en": "This refund has already been paid.",
    },
    "REFUND_FAILED": {
        "id": "Pengembalian dana ini gagal; tidak dapat ditandai dibayar.",
        "en": "This refund failed; it cannot be marked paid.",
    },
    "REFUND_BY_GATEWAY": {
        "id": "Pengembalian dana ini dibayar oleh gateway pembayaran, bukan dicatat manual.",
        "en": "This refund is paid by the payment gateway, not recorded by hand.",
    },
}
