"""Portfolio-level insights: rollups of account hierarchies, playbook actions."""
