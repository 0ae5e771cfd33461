"""Sharing trained styles on the Hugging Face Hub: ``provenance`` (what a run came from, and the licence that
follows), ``card`` (the model card), ``folder`` (``RUN/hub/``, written at the end of training), ``weights_card``
(a card for any weights we load), ``push`` (``animegan push``). Downloading ``hf://`` specs lives in
``animegan.weights.hub``."""
