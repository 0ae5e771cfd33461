"""Public AnimeGAN datasets (``animegan download``): datasets.py (registry, download, prepare) and archives.py
(safe zip/tar extraction)."""
