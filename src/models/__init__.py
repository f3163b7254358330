"""Tortoise models, one module per aggregate."""
