"""Customer-facing worlds: card payments, contact centres."""
