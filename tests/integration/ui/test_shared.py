"""``animegan ui`` shared: the real server in a child process, started as a user would (``--auth-file``, a small
``--queue-size``), called over HTTP and through gradio_client. Without credentials the API refuses; with them
it works; a flood of 50 concurrent requests gets "Queue is full! Please try again." beyond the queue, the
server's memory stays bounded, and a good request afterwards still succeeds. Fabricated random weights."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from animegan.inference.stylizer import Stylizer

pytestmark = pytest.mark.slow
USER, PASSWORD = "ann", "s3:cret"
QUEUE = 2  # requests that may wait
FLOOD = 50
# bytes the server may grow by during the flood: measured 200-310 MiB (uploads, worker threads), bounded or not
# at this size; a sanity bound, the busy answers are what the queue bound changes
RSS_GROWTH_LIMIT = 512 * 2**20


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss(pid: int) -> int:
    """Resident memory of process ``pid`` in bytes (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server(tmp_path_factory, fabricated_weights):
    """`animegan ui --auth-file users.txt --queue-size 2` in a child process; yields (url, process)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the server's memory from /proc (Linux)")
    folder = tmp_path_factory.mktemp("shared-ui")
    users = folder / "users.txt"
    users.write_text(f"# test user\n{USER}:{PASSWORD}\n")
    port = free_port()
    command = [
        sys.executable, "-m", "animegan.cli", "ui", "--weights", str(fabricated_weights), "--port", str(port),
        "--device", "cpu", "--precision", "fp32", "--auth-file", str(users), "--queue-size", str(QUEUE),
    ]  # fmt: skip
    env = dict(os.environ, GRADIO_TEMP_DIR=str(folder / "gradio"))
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert child.poll() is None, child.communicate()[0]
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except urllib.error.HTTPError:
                break  # answering (a login page or 401): up
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.5)
        yield url, child
    finally:
        child.terminate()
        try:
            child.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


def photo(path: Path, side: int, seed: int = 0) -> Path:
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)).save(path)
    return path


def test_the_api_refuses_without_credentials(server, tmp_path) -> None:
    from gradio_client import Client

    url, _ = server
    request = urllib.request.Request(f"{url}gradio_api/call/stylize", data=b'{"data": []}', method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
    with pytest.raises(Exception, match="(?i)login|auth|401"):
        Client(url, verbose=False)
    with pytest.raises(Exception, match="(?i)login|auth|401"):
        Client(url, auth=(USER, "wrong"), verbose=False)


def test_with_credentials_it_stylizes(server, tmp_path, fabricated_weights) -> None:
    from gradio_client import Client, handle_file

    url, _ = server
    path = photo(tmp_path / "small.png", 48)
    out = Client(url, auth=(USER, PASSWORD), verbose=False).predict(
        handle_file(str(path)), api_name="/stylize"
    )
    expected = Stylizer.from_weights(fabricated_weights, device="cpu", precision="fp32")(
        np.asarray(Image.open(path))
    )
    assert np.array_equal(np.asarray(Image.open(out)), expected)


def test_a_flood_gets_busy_errors_memory_stays_bounded_and_the_server_still_serves(server, tmp_path) -> None:
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    url, child = server
    client = Client(url, auth=(USER, PASSWORD), verbose=False, max_workers=FLOOD)
    big = photo(tmp_path / "big.png", 256)
    client.predict(handle_file(str(big)), api_name="/stylize")  # warm: weights loaded, buffers allocated
    before, peak, stop = rss(child.pid), [0], threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss(child.pid))
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    jobs = [client.submit(handle_file(str(big)), api_name="/stylize") for _ in range(FLOOD)]
    outcomes = []
    for job in jobs:
        try:
            job.result(timeout=300)
            outcomes.append("done")
        except (AppError, ValueError, RuntimeError) as exc:
            outcomes.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - gradio_client's QueueError is a plain Exception
            outcomes.append(str(exc))
    stop.set()
    watcher.join()
    busy = [o for o in outcomes if o != "done"]
    growth = peak[0] - before
    print(f"flood of {FLOOD}: {FLOOD - len(busy)} served, {len(busy)} busy; server RSS {before / 2**20:.0f} MiB, "
          f"peak +{growth / 2**20:.0f} MiB")  # fmt: skip
    assert set(busy) == {"Queue is full! Please try again."}, set(busy)
    assert len(busy) >= FLOOD // 2  # most of a burst meets a full queue (QUEUE waiting, one running)
    assert FLOOD - len(busy) >= QUEUE  # ... while the queue's worth is served
    assert growth < RSS_GROWTH_LIMIT
    small = photo(tmp_path / "after.png", 40, seed=1)
    after = client.predict(handle_file(str(small)), api_name="/stylize")
    assert np.asarray(Image.open(after)).shape == (40, 40, 3)
