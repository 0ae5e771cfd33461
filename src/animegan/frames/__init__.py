"""Style sets from anime video (``animegan frames``): options.py (what can be asked, no heavy imports), select.py
(shot cuts, clean sharp frames, near-duplicates; pure numpy/OpenCV), style_frames.py (decode, choose, write,
prepare)."""
