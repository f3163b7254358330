"""Helpers for the test suite: real services started by the tests and a small GraphQL client."""
