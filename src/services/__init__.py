"""Business rules: plain async functions over models, raising DomainError for expected failures."""
