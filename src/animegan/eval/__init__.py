"""Quality in numbers: FID/KID of stylized photos against the photos and the style set (DTGAN's Table 1), speed,
the warping error of videos, and the optional FID/KID validation metric of training.

Modules: ``inception`` (the FID feature network), ``features`` (images -> pool3 features), ``statistics`` (FID,
KID), ``images`` (the photo and style sets), ``speed`` (latency, parameters), ``evaluate`` (one record per
weights), ``report`` (eval.json, eval.md), ``chart`` (eval.png), ``video`` and ``warping_error`` (flicker),
``training_metric`` (val/kid_style, val/fid_style), ``fidelity`` (PSNR, luma PSNR, chroma error of a stylized
photo against its photo) and ``demo_figures`` (those figures as ``make demo`` prints them).
"""
