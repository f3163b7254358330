"""Messages of the trader's morning (bulk product changes, the picking list), in Indonesian and English."""

MORNING_MESSAGES: dict[str, dict[str, str]] = {
    "TOO_MANY_ITEMS": {"id": "Paling banyak {max} produk sekaligus.", "en": "At most {max} products at once."},
    "NOTHING_TO_CHANGE": {
        "id": "Isi harga, stok atau status jual untuk produk ini.",
        "en": "Give a price, stock or sale status for this product.",
    },
    "DUPLICATE": {"id": "Produk ini sudah ada di daftar.", "en": "This product is already in the list."},
    "ARCHIVED": {"id": "Produk ini sudah diarsipkan.", "en": "This product is archived."},
    "NOT_READY_UNWEIGHED": {
        "id": "Timbang dulu {item} sebelum pesanan ditandai siap.",
        "en": "Weigh {item} before marking the order ready.",
    },
}
