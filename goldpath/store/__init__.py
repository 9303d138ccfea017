"""Score history, runs, quarantine and inputs, kept in the engine's own database."""
