"""`customers.card_network`: card payments with fraud typologies (Mesa + networkx + numba)."""
