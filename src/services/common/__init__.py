"""Helpers every domain service shares: errors, messages, text and number rules, money, dates, the queue,
the outbox, live signals and rate limits."""
