"""The Gradio page of ``animegan ui``: image and video tabs, weights, strength, keep colours, faces, before/after,
download; the API endpoint ``/stylize`` (image in, image out at the input's size; every other input has a default).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # nothing leaves the machine

import gradio as gr  # noqa: E402 - after the analytics switch
import numpy as np  # noqa: E402

from animegan.errors import AnimeGANError  # noqa: E402
from animegan.ui.engine import Engine, Request  # noqa: E402

SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]  # no web fonts: the page works offline


def _user_errors(fn: Callable) -> Callable:
    """Show our one-line errors (bad input, size limits, weights) in the page and to API clients."""

    @functools.wraps(fn)  # keeps the parameter names: they are the API's
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (AnimeGANError, ValueError) as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return wrapped


def _settings(engine: Engine) -> list[gr.components.Component]:
    defaults = Request(engine.default_weights)
    with gr.Row():
        weights = gr.Dropdown(
            [(engine.label(choice), choice) for choice in engine.choices], value=defaults.weights, label="Weights (released name or local file)",
            allow_custom_value=True, elem_id="weights",
        )  # fmt: skip
        strength = gr.Slider(0, 1, value=defaults.strength, step=0.05, label="Strength", elem_id="strength")
        keep_colors = gr.Checkbox(
            value=defaults.keep_colors, label="Keep the photo's colours", elem_id="keep"
        )
        faces = gr.Checkbox(value=defaults.faces, label="Restyle faces (face model)", elem_id="faces")
    return [weights, strength, keep_colors, faces]


def build_app(engine: Engine) -> gr.Blocks:
    """The page; the stylize button's event is the public API ``/stylize``."""

    @_user_errors
    def stylize(image: np.ndarray | None, weights: str, strength: float, keep_colors: bool, faces: bool):
        if image is None:
            raise ValueError("no image: upload a photo first")
        out, _ = engine.image(image, Request(weights, strength, keep_colors, faces))
        return out

    @_user_errors
    def stylize_video(video: str | None, weights: str, strength: float, keep_colors: bool, faces: bool):
        if not video:
            raise ValueError("no video: upload a short clip first")
        out, notes = engine.video(Path(video), Request(weights, strength, keep_colors, faces))
        return str(out), "\n".join(notes)

    @_user_errors
    def live(frame: np.ndarray | None, weights: str, strength: float, keep_colors: bool, faces: bool):
        if frame is None:
            return None, ""
        return engine.live(frame, Request(weights, strength, keep_colors, faces))

    with gr.Blocks(title="animegan") as app:
        gr.Markdown(
            "# animegan\nPhotos and short videos in anime style. API: `/stylize` (see *Use via API*)."
        )
        settings = _settings(engine)
        with gr.Tab("Image"):
            with gr.Row():
                photo = gr.Image(
                    type="numpy", label="Photo", sources=["upload", "clipboard"], elem_id="photo"
                )
                result = gr.Image(type="numpy", format="png", label="Stylized", elem_id="result",
                                  buttons=["download"], interactive=False)  # fmt: skip
            button = gr.Button("Stylize", variant="primary", elem_id="stylize-button")
            compare = gr.ImageSlider(
                label="Before / after", type="numpy", elem_id="compare", interactive=False
            )
        with gr.Tab("Video"):
            with gr.Row():
                clip = gr.Video(label=f"Video (up to {engine.limits.max_video_seconds:g} s)", elem_id="clip")
                clip_out = gr.Video(label="Stylized (with sound)", elem_id="clip-result", interactive=False)
            video_button = gr.Button("Stylize video", variant="primary", elem_id="stylize-video-button")
            video_notes = gr.Textbox(label="Notes", interactive=False)
        with gr.Tab("Webcam"):
            with gr.Row():
                camera = gr.Image(
                    sources=["webcam"], streaming=True, type="numpy", label="Webcam", elem_id="camera"
                )
                live_out = gr.Image(type="numpy", label="Live", elem_id="live", interactive=False)
            speed = gr.Textbox(label="Speed", interactive=False, elem_id="speed")
        camera.stream(
            live, [camera, *settings], [live_out, speed], stream_every=0.1, concurrency_limit=1,
            api_visibility="private",
        )  # fmt: skip
        event = button.click(stylize, [photo, *settings], result, api_name="stylize")
        event.success(lambda a, b: (a, b), [photo, result], compare, api_visibility="private")
        video_button.click(
            stylize_video, [clip, *settings], [clip_out, video_notes], api_name="stylize_video"
        )
    return app


def launch(
    engine: Engine,
    host: str = "127.0.0.1",
    port: int | None = None,
    block: bool = True,
    auth: list[tuple[str, str]] | None = None,
) -> gr.Blocks:
    """Serve the page on ``host:port`` (loopback by default; ``port=None``: the first free from 7860); with
    ``auth``, the page and the API need one of those (user, password) pairs; at most ``engine.limits.max_queue``
    requests wait, the next ones are refused as busy."""
    app = build_app(engine)
    app.queue(default_concurrency_limit=1, max_size=engine.limits.max_queue)
    app.launch(
        server_name=host, server_port=port, prevent_thread_lock=not block, quiet=not block, share=False, auth=auth,
        auth_message="animegan: sign in with the user and password the server was started with" if auth else None,
        max_file_size=engine.limits.max_file_size, ssr_mode=False, footer_links=["api"],
        theme=gr.themes.Default(font=SYSTEM_FONTS, font_mono=["ui-monospace", "monospace"]),
    )  # fmt: skip
    return app
