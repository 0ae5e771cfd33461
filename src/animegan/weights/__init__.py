"""Generator weights: the one loader and safe saving with the generator config in the metadata (``io``), the
released registry with licences (``registry``) and its downloads (``released``), TF1 checkpoints read without
TensorFlow (``tf_checkpoint``) and converted (``convert``), ONNX generators' weights (``onnx_weights``; ONNX
Runtime itself runs them in ``animegan.inference.runtimes``), and a numpy-only unpickler for the Caffe VGG19
file (``safe_pickle``).

Kept free of imports so that ``animegan weights list`` and the registry never load torch.
"""
