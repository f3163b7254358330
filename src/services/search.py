"""Catalog search text: how people in Malang type product names, normalised for matching.

Names are folded (case, accents, punctuation) and indexed together with their common spelling
variants and local names, so `cabe` finds "Cabai rawit" and `brambang` finds "Bawang merah".
"""

import re
import unicodedata

# Each group is one thing under several spellings or names; indexing any adds all.
VARIANT_GROUPS: list[tuple[str, ...]] = [
    ("cabai", "cabe", "lombok"),
    ("bawang merah", "brambang"),
    ("bawang putih", "bawang bodas"),
    ("telur", "telor", "endog"),
    ("terong", "terung"),
    ("timun", "ketimun", "mentimun"),
    ("kol", "kubis", "kobis"),
    ("petai", "pete"),
    ("wortel", "wortol"),
    ("sawi", "sesawi", "caisim"),
    ("kacang panjang", "kacang lanjaran"),
    ("ketela", "singkong", "kaspe", "telo"),
    ("ubi", "telo"),
    ("jagung", "jagong"),
    ("kemangi", "kemangen"),
    ("daun bawang", "loncang", "bawang prei"),
    ("tomat", "tomato"),
    ("beras", "uwos"),
    ("ayam", "pitik"),
    ("ikan", "iwak"),
]

_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase, accents removed, punctuation as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", ascii_only.lower()).strip()


def _contains_phrase(haystack: str, phrase: str) -> bool:
    return f" {phrase} " in f" {haystack} "


def index_text(*parts: str) -> str:
    """The search_text stored with a product: its folded words plus every variant they imply."""
    base = fold(" ".join(p for p in parts if p))
    extra = [
        variant
        for group in VARIANT_GROUPS
        if any(_contains_phrase(base, name) for name in group)
        for variant in group
        if not _contains_phrase(base, variant)
    ]
    return " ".join([base, *extra]).strip()


def query_terms(query: str, *, limit: int = 8) -> list[str]:
    """The words of a search, folded; each must occur (as a word or part of one) in a match."""
    return fold(query).split()[:limit]
