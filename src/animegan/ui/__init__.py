"""The web UI (``animegan ui``): ``engine`` stylizes requests (no Gradio), ``app`` builds the Gradio page and its
``/stylize`` API. Gradio is an extra: ``pip install animegan[ui]``."""
