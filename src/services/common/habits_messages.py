"""Messages of the buyer's habits (address book, reorder, favourites, ratings), in Indonesian and English."""

HABITS_MESSAGES: dict[str, dict[str, str]] = {
    "ADDRESS_OR_SAVED_ADDRESS": {
        "id": "Isi alamat atau pilih alamat tersimpan (salah satu saja).",
        "en": "Give an address or choose a saved one (one of the two).",
    },
    "TOO_MANY_ADDRESSES": {
        "id": "Buku alamat paling banyak {max} alamat. Hapus salah satu dulu.",
        "en": "The address book holds at most {max} addresses. Delete one first.",
    },
    "ADDRESS_LABEL_TAKEN": {
        "id": "Sudah ada alamat dengan nama ini.",
        "en": "An address with this name already exists.",
    },
    "ADDRESS_NOT_SERVED": {
        "id": "Belum ada pasar yang mengantar ke lokasi ini.",
        "en": "No market delivers to this location yet.",
    },
    "REORDER_GONE": {"id": "{item} tidak dijual lagi.", "en": "{item} is no longer sold."},
    "REORDER_OFF_SALE": {"id": "{item} sedang tidak dijual.", "en": "{item} is off sale for now."},
    "REORDER_STALL_CLOSED": {
        "id": "Lapak penjual {item} sedang tutup.",
        "en": "The stall selling {item} is closed.",
    },
    "REORDER_OUT_OF_STOCK": {
        "id": "Stok {item} tidak cukup (tersisa {available}).",
        "en": "Not enough {item} in stock ({available} left).",
    },
    "REORDER_QUANTITY": {
        "id": "{item}: jumlah minimal {minimum}, dengan kelipatan {step}; ubah jumlahnya di keranjang.",
        "en": "{item}: at least {minimum}, in steps of {step}; change the quantity in the cart.",
    },
    "REORDER_TOO_MANY_LINES": {
        "id": "{item} tidak muat: keranjang paling banyak {max} produk.",
        "en": "{item} does not fit: a cart holds at most {max} products.",
    },
    "PRODUCT_OR_STALL": {
        "id": "Pilih satu produk atau satu lapak (salah satu saja).",
        "en": "Choose one product or one stall (one of the two).",
    },
    "TOO_MANY_FAVOURITES": {
        "id": "Favorit paling banyak {max}. Hapus salah satu dulu.",
        "en": "At most {max} favourites. Remove one first.",
    },
    "STARS_RANGE": {"id": "Nilai 1 sampai 5 bintang.", "en": "From 1 to 5 stars."},
    "RATE_AFTER_DELIVERY": {
        "id": "Penilaian bisa diberikan setelah pesanan dari lapak ini diantar.",
        "en": "A rating can be given once this stall's order has been delivered.",
    },
    "ALREADY_RATED": {
        "id": "Pesanan dari lapak ini sudah dinilai.",
        "en": "This stall's order has already been rated.",
    },
}
