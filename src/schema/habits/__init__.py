"""A buyer's habits: the address book, reordering, favourites and ratings.

`types` (a stall's rating, a part's rating: below the markets and orders types, which show them), `queries`
and `mutations`, composed into the schema by src/schema/__init__.py. Nothing is imported here, so the
markets and orders types can import `types` without importing the rest.
"""
