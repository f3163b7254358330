"""Assignments: the rows of who carries an order, below both orders and delivery.

`states` holds the assignment's transition table, which statuses are live or shown and the courier's contact
rule; `carriers` what orders asks of an order's delivery (who carries it, whether its courier still sees the
buyer, withdrawing it on a cancellation). Orders builds on this package, delivery on orders and on this:
the layers contract in pyproject.toml keeps `delivery > orders > assignments`, so neither reads the other's
tables and the old circle between them cannot come back.
"""
