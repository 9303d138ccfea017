"""The value ledger: outcomes, ROI, contacts, acknowledgements and the GOLD evidence gate."""
