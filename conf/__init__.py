"""Hydra configs of animegan-train (the top-level conf/ folder, shipped as the package animegan.conf)."""
