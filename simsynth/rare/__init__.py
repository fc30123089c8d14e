"""Rare-event training sets (`simsynth rare`): collecting runs, sampling, splits, twins."""
