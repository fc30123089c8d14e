"""Distribution-sampler baselines: i.i.d. samples fitted to a dataset (`simsynth baseline`)."""
