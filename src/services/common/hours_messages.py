"""Messages of opening hours and closed stalls, in Indonesian and English."""

HOURS_MESSAGES: dict[str, dict[str, str]] = {
    "STALL_CLOSED": {
        "id": "{stall} sedang tutup. Buka lagi {opens}.",
        "en": "{stall} is closed. It opens again {opens}.",
    },
    "STALL_CLOSED_ON": {
        "id": "{stall} tutup pada {day}. Buka lagi {opens}.",
        "en": "{stall} is closed on {day}. It opens again {opens}.",
    },
    "STALL_CLOSED_NO_HOURS": {
        "id": "{stall} sedang tutup dan belum ada jadwal buka.",
        "en": "{stall} is closed and has no opening scheduled.",
    },
    "TIME_FORMAT": {
        "id": "Tulis jam sebagai JJ:MM (00:00–23:59), misalnya 05:00.",
        "en": "Write the time as HH:MM (00:00–23:59), e.g. 05:00.",
    },
    "CLOSES_BEFORE_OPENS": {
        "id": "Jam tutup harus sesudah jam buka.",
        "en": "The closing time must be after the opening time.",
    },
    "TOO_MANY_DAYS": {
        "id": "Paling banyak {max} hari, satu jam buka per hari.",
        "en": "At most {max} days, one entry a day.",
    },
    "DUPLICATE_DAY": {"id": "Hari ini sudah ada di jadwal.", "en": "This day is already in the hours."},
    "DUPLICATE_DATE": {"id": "Tanggal ini sudah ada di daftar.", "en": "This date is already in the list."},
    "DATE_IN_PAST": {"id": "Tanggal ini sudah lewat.", "en": "This date is in the past."},
    "TOO_MANY_DATES": {"id": "Paling banyak {max} tanggal.", "en": "At most {max} dates."},
    "NOT_A_HOLIDAY": {
        "id": "{day} bukan hari libur nasional; lapak buka sesuai jadwal mingguan.",
        "en": "{day} is not a public holiday; the stall opens by its weekly hours.",
    },
    "OPEN_AND_CLOSED": {
        "id": "Tanggal ini juga ada di daftar tanggal tutup.",
        "en": "This date is also among the closed dates.",
    },
}
