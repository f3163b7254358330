"""Pasar Online: the headless GraphQL commerce backend for Kota Malang's traditional markets."""
