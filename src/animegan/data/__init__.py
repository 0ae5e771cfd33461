"""Data: the dataset layout, edge smoothing and data mean (prepare), downloads, the demo set, the datamodule.

layout.py (paths, dataset.json), smoothing.py (vectorised CartoonGAN edge smoothing), datamean.py, prepare.py
(parallel, idempotent), archives.py (safe zip/tar extraction), download.py (registry), cartoon.py + demo.py
(the offline demo set), transforms.py, sampling.py (unpaired epochs, DDP split), datamodule.py.
"""
