"""From raw measures to measure scores, axis scores, tiers and explanations."""
