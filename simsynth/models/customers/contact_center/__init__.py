"""`customers.contact_center`: a SimPy call centre with outages and call surges."""
