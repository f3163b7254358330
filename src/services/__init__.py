"""Business rules: plain async functions over models, raising DomainError for expected failures.

A package per large domain (orders, delivery, assignments, notifications, reports, payments), a module per
small one, and `common` for what all share. A domain reaches another only through that domain's service
functions, never its tables; among them `notifications > delivery > orders > payments | reports |
assignments` (a layers contract in pyproject.toml), and tests/foundation/test_architecture.py fails when a
domain package imports another domain's model classes.
"""
