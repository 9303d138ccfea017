"""Alerts: tier drops, GOLD reached and GOLD lost, sent once per change to each configured sink."""
