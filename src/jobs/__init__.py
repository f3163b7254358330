"""arq jobs: each takes ids, never objects, and may run more than once."""
