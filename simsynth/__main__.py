"""`python -m simsynth` runs the command line."""

from simsynth.cli import app

app()
