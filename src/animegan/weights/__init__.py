"""Generator weights: safe loading and saving with architecture detection (``io``), the released registry with
licences (``released``) and a numpy-only unpickler for the Caffe VGG19 file (``safe_pickle``).

Kept free of imports so that ``animegan weights list`` and the registry never load torch.
"""
