"""Data: the dataset layout on disk and its loading for training; preparing, downloading and the demo set in rooms.

layout.py (paths, dataset.json), image_side.py (the reference image side), reading.py (indexed reads that survive
vanished files), transforms.py, sampling.py (unpaired epochs, DDP split), datamodule.py (the LightningDataModule).
Sub-rooms: ``prepare/`` (edge smoothing, data mean, superpixels, v3 extras: what ``animegan prepare`` writes),
``download/`` (public sets, safe archive extraction), ``demo/`` (the offline demo set and the demo's sample clip).
"""
