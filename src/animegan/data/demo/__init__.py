"""The offline demo (``animegan demo-data``, ``make demo``): dataset.py (real photos from scikit-image, a
cartoon-filtered style domain), cartoon.py (the classical cartoon filter), clip.py (the sample video)."""
