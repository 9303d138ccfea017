"""Adapters: map well-known exports onto the data contract."""
