"""`traffic.intersection`: a SimPy signalised junction; signal failures and lane closures."""
