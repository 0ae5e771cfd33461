"""Video: file kinds and codec tables (``formats``), probing and frame reading (``probe``), per-frame helpers
(``frames``), the ``Encoder`` (``encode``), the threaded decode -> infer -> encode pipeline (``pipeline``),
flow-guided temporal smoothing (``temporal``).

Kept free of imports: ``animegan.video.formats`` is read by job planning without loading PyAV.
"""
