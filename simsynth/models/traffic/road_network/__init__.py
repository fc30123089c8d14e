"""`traffic.road_network`: Nagel-Schreckenberg traffic on a networkx road graph."""
