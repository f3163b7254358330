"""Money in the schema: an order's payment and payment settings (`types`, which markets and orders show),
a market's and a stall's payment settings and a transfer's proof (`mutations`), the ledger's statement,
payouts and couriers' remittances (`ledger`, `queries`)."""
