"""Traffic models: vehicles on road networks and signalised intersections."""
