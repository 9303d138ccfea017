"""Readers that bring source files into the engine as raw text tables."""
