"""Messages of a missing item, its substitute and a complaint, in Indonesian and English."""

AFTERCARE_MESSAGES: dict[str, dict[str, str]] = {
    "ITEM_UNAVAILABLE": {
        "id": "Barang ini sudah dikeluarkan dari pesanan.",
        "en": "This item has already left the order.",
    },
    "ITEM_SUBSTITUTION_PENDING": {
        "id": "Barang ini sedang menunggu jawaban pembeli atas barang pengganti.",
        "en": "This item is waiting for the buyer's answer to a substitute.",
    },
    "ITEM_SUBSTITUTED": {
        "id": "Barang ini sudah diganti dengan barang pengganti.",
        "en": "This item has already been substituted.",
    },
    "SUBSTITUTE_SAME_PRODUCT": {
        "id": "Barang pengganti harus produk lain.",
        "en": "The substitute must be another product.",
    },
    "SUBSTITUTE_NOT_LISTED": {
        "id": "Barang pengganti sedang tidak dijual.",
        "en": "The substitute is not on sale.",
    },
    "SUBSTITUTE_ABOVE_PAID": {
        "id": "Pesanan sudah dibayar: barang pengganti paling mahal {paid}.",
        "en": "The order is paid: the substitute may cost at most {paid}.",
    },
    "NO_SUBSTITUTION": {
        "id": "Tidak ada barang pengganti yang menunggu jawaban.",
        "en": "No substitute is waiting for an answer.",
    },
    "SUBSTITUTION_EXPIRED": {
        "id": "Waktu menjawab barang pengganti sudah habis.",
        "en": "The time to answer the substitute has run out.",
    },
    "SUBSTITUTE_GONE": {
        "id": "Barang pengganti sudah tidak dijual.",
        "en": "The substitute is no longer on sale.",
    },
    "NOT_READY_SUBSTITUTION": {
        "id": "Tunggu jawaban pembeli atas pengganti {item} sebelum pesanan ditandai siap.",
        "en": "Wait for the buyer's answer to the substitute for {item} before marking the order ready.",
    },
    "COMPLAINT_NOT_DELIVERED": {
        "id": "Keluhan hanya untuk pesanan yang sudah diterima.",
        "en": "Complaints are for delivered orders only.",
    },
    "COMPLAINT_WINDOW_CLOSED": {
        "id": "Keluhan hanya dapat diajukan {hours} jam setelah pesanan diterima.",
        "en": "Complaints can be made only within {hours} hours of delivery.",
    },
    "PART_NOT_DELIVERED": {
        "id": "Bagian pesanan ini tidak diantar.",
        "en": "This part of the order was not delivered.",
    },
    "COMPLAINT_EXISTS": {
        "id": "Keluhan untuk pesanan ini sudah diajukan.",
        "en": "A complaint about this has already been made.",
    },
    "COMPLAINT_RESOLVED": {
        "id": "Keluhan ini sudah diselesaikan.",
        "en": "This complaint has already been resolved.",
    },
    "AMOUNT_ABOVE_PAID": {
        "id": "Paling banyak {paid} yang dapat dikembalikan.",
        "en": "At most {paid} can be refunded.",
    },
    "NOTHING_TO_REFUND": {
        "id": "Tidak ada lagi uang yang dapat dikembalikan untuk pesanan ini.",
        "en": "Nothing more can be refunded for this order.",
    },
    "AMOUNT_NOT_FOR_REJECT": {
        "id": "Jumlah hanya untuk keluhan yang diselesaikan dengan pengembalian uang.",
        "en": "An amount goes with a refund only.",
    },
}
