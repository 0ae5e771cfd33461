"""``animegan ui``: the Gradio app on a free loopback port, called through gradio_client (/stylize) and driven in
a real headless Chromium (Debian's chromium + chromium-driver through selenium). Fabricated random weights."""

from __future__ import annotations

import os
import re
import shutil
import socket
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from animegan.inference.colors import ColorAdjust
from animegan.inference.options import StylizeOptions
from animegan.inference.stylizer import Stylizer

pytestmark = pytest.mark.slow
SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "images" / "ui.png"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1100",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, fabricated_weights):
    """The app as `animegan ui --weights <fabricated>` starts it, with small limits; yields (url, engine)."""
    from animegan.ui.app import launch
    from animegan.ui.engine import Engine, Limits

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        limits = Limits(max_pixels=200_000, max_video_seconds=2.0, max_file_size="600kb")
        options = StylizeOptions(device="cpu", precision="fp32", face_weights=str(fabricated_weights))
        engine = Engine(options, [str(fabricated_weights)], limits)
        app = launch(engine, port=free_port(), block=False)
        yield app.local_url, engine, app
        app.close()


@pytest.fixture(scope="module")
def cat(tmp_path_factory) -> tuple[Path, np.ndarray]:
    from skimage import data

    rgb = data.chelsea()  # 451 x 300
    path = tmp_path_factory.mktemp("photos") / "cat.png"
    Image.fromarray(rgb).save(path)
    return path, rgb


def test_binds_loopback_by_default(server) -> None:
    from animegan.cli import build_parser

    url, _, app = server
    assert url.startswith("http://127.0.0.1:") and app.server_name == "127.0.0.1"
    assert build_parser().parse_args(["ui"]).host == "127.0.0.1"


def test_api_stylize_with_only_the_image_and_with_settings(server, cat, fabricated_weights) -> None:
    from gradio_client import Client, handle_file

    url, _, _ = server
    path, rgb = cat
    client = Client(url, verbose=False)
    stylizer = Stylizer.from_weights(fabricated_weights, device="cpu", precision="fp32")
    plain = np.asarray(Image.open(client.predict(handle_file(str(path)), api_name="/stylize")))
    assert plain.shape == rgb.shape
    assert np.array_equal(plain, stylizer(rgb))
    adjusted = client.predict(
        image=handle_file(str(path)), strength=0.4, keep_colors=True, api_name="/stylize"
    )
    expected = ColorAdjust(strength=0.4, keep_colors=True)(rgb, stylizer(rgb))
    assert np.array_equal(np.asarray(Image.open(adjusted)), expected)


def test_api_faces_on_goes_through_the_face_paste(server, tmp_path, astronaut, fabricated_weights) -> None:
    from gradio_client import Client, handle_file

    from animegan.inference.run import StylizeRun

    url, _, _ = server
    face = astronaut[:400, 60:460]  # 400 x 400 = 160,000 pixels: under the test server's limit
    Image.fromarray(face).save(tmp_path / "face.png")
    out = Client(url, verbose=False).predict(
        handle_file(str(tmp_path / "face.png")), faces=True, api_name="/stylize"
    )
    options = StylizeOptions(device="cpu", precision="fp32", faces=True, face_weights=str(fabricated_weights))
    stylizer = Stylizer.from_weights(fabricated_weights, device="cpu", precision="fp32")
    expected, notes = StylizeRun(options, stylizer, events=None).stylize_array(face)
    assert not notes  # the face was found (no "no face" note)
    assert np.array_equal(np.asarray(Image.open(out)), expected)
    assert not np.array_equal(expected, stylizer(face))  # the face model changed the face region


def test_requests_over_the_limits_get_a_clear_message(server, tmp_path) -> None:
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    url, _, _ = server
    client = Client(url, verbose=False)
    Image.fromarray(np.full((500, 600, 3), 90, np.uint8)).save(
        tmp_path / "wide.png"
    )  # 300,000 pixels, small file
    with pytest.raises(AppError, match=r"600x500 = 300,000 pixels is over this server's limit of 200,000"):
        client.predict(handle_file(str(tmp_path / "wide.png")), api_name="/stylize")
    heavy = tmp_path / "heavy.bmp"
    Image.fromarray(np.full((800, 300, 3), 90, np.uint8)).save(heavy)  # 240,000 pixels: 720 kB as BMP
    assert heavy.stat().st_size > 600 * 1024
    with pytest.raises(ValueError, match="exceeds the maximum file size"):
        client.predict(handle_file(str(heavy)), api_name="/stylize")


def test_api_stylize_video_keeps_sound_and_refuses_long_clips(server, tmp_path) -> None:
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError
    from helpers.synthetic_video import make_test_video

    from animegan.video.probe import probe

    url, _, _ = server
    client = Client(url, verbose=False)
    short = make_test_video(tmp_path / "short.mp4", frames=12, fps=12, size=(64, 48))
    out, _ = client.predict(handle_file(str(short)), keep_colors=True, api_name="/stylize_video")
    got = probe(out["video"] if isinstance(out, dict) else out)
    assert (got.width, got.height, got.frames, got.audio_codec) == (64, 48, 12, "aac")
    long = make_test_video(tmp_path / "long.mp4", frames=36, fps=12, size=(64, 48), with_audio=False)
    with pytest.raises(AppError, match=r"lasts 3.0 s, over this server's limit of 2 s"):
        client.predict(handle_file(str(long)), api_name="/stylize_video")


def chromium():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver):
        pytest.skip(
            "chromium/chromedriver not installed (make test installs them: apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    return options, Service(driver)


def test_page_in_a_real_browser(server, cat, tmp_path, fabricated_weights) -> None:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, _, _ = server
    path, rgb = cat
    options, service = chromium()
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.get(url)
        upload = WebDriverWait(driver, 60).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#photo input[type=file]")
        )[0]
        upload.send_keys(str(path))
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#photo img"))
        driver.find_element(By.ID, "stylize-button").click()
        size_js = (
            "const i = document.querySelector('#result img');"
            "return i && i.complete && i.naturalWidth ? [i.naturalWidth, i.naturalHeight, i.src] : null;"
        )
        width, height, src = WebDriverWait(driver, 120).until(lambda d: d.execute_script(size_js))
        assert (width, height) == (rgb.shape[1], rgb.shape[0])
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#compare img"))
        shown = np.asarray(Image.open(urllib.request.urlopen(src)).convert("RGB"))
        stylizer = Stylizer.from_weights(fabricated_weights, device="cpu", precision="fp32")
        assert np.array_equal(shown, stylizer(rgb))
        driver.save_screenshot(str(tmp_path / "ui.png"))
        assert Image.open(tmp_path / "ui.png").size[0] >= 1000
        if os.environ.get("ANIMEGAN_SAVE_SCREENSHOTS"):  # refresh the README's screenshot
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / "ui.png", SCREENSHOT)
    finally:
        driver.quit()


def test_webcam_tab_streams_stylized_frames_and_reports_fps(server, tmp_path) -> None:
    """Chromium's fake camera (a 640x480 test pattern) through the Webcam tab: live frames at the live size."""
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    url, engine, _ = server
    options, service = chromium()
    for flag in ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.get(url)
        tab = WebDriverWait(driver, 60).until(
            lambda d: [t for t in d.find_elements(By.CSS_SELECTOR, "button[role=tab]") if t.text == "Webcam"]
        )[0]
        tab.click()
        WebDriverWait(driver, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#camera div[title='grant webcam access'] button")
        )[0].click()
        WebDriverWait(driver, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#camera button[aria-label='capture photo']")
        )[0].click()  # the streaming webcam's Record button
        speed_js = "const t = document.querySelector('#speed textarea'); return t ? t.value : '';"
        line = WebDriverWait(driver, 90).until(lambda d: re.match(r"\d+\.\d fps", d.execute_script(speed_js)))
        fps = float(line.group(0).split()[0])
        size_js = "const i = document.querySelector('#live img'); return i && i.naturalWidth ? [i.naturalWidth, i.naturalHeight] : null;"
        side = engine.limits.live_max_side
        assert WebDriverWait(driver, 30).until(lambda d: d.execute_script(size_js)) == [side, side * 3 // 4]
        assert fps > 0
        print(f"webcam tab: {driver.execute_script(speed_js)}")
    finally:
        driver.quit()
