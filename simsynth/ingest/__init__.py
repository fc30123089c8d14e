"""Importing users' event logs (CSV, Parquet) into the dataset format (`simsynth import`)."""
