"""Preparing a dataset (``animegan prepare``): style.py (smooth/ + data mean, parallel, idempotent), smoothing.py
(vectorised CartoonGAN edge smoothing), reference_io.py (the reference's byte path), datamean.py, superpixels.py,
v3.py (AnimeGANv3's superpixel photos and smooth_noise/), salt_noise.py."""
