"""End to end against a real Mosquitto, started by each test on a free port (its own, so that
it can be restarted mid-stream without touching the machine's broker on 1883)."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from conftest import World
from parkpact import testing
from parkpact.sensors.models import Device, Reading
from parkpact.sensors.mqtt import Ingestor

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class Mosquitto:
    """A broker process with persistence, so that a restart keeps sessions and queued messages."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        # Run as root, mosquitto drops to its own user, which must be able to save the database.
        folder.chmod(0o777)
        self.config = folder / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {folder}/\nautosave_interval 1\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own fixed command)
            [MOSQUITTO, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self._accepting, 5), "mosquitto did not start"

    def _accepting(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: mosquitto saves its persistence file
            self.process.wait(5)
            self.process = None


@pytest.fixture
def broker() -> Iterator[Mosquitto]:
    if not Path(MOSQUITTO).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("mosquitto is not installed")
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    # Not pytest's tmp_path: its parents are private, and mosquitto runs as its own user.
    folder = Path(tempfile.mkdtemp(prefix="parkpact-mosquitto-"))
    mosquitto = Mosquitto(folder)
    mosquitto.start()
    yield mosquitto
    mosquitto.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def ingestor(broker: Mosquitto) -> Iterator[Ingestor]:
    worker = Ingestor(f"mqtt://127.0.0.1:{broker.port}", client_id=f"ingest-{broker.port}")
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    assert worker.connected.wait(5)
    yield worker
    worker.stop()
    thread.join(5)
    assert not thread.is_alive()


def publisher(broker: Mosquitto) -> mqtt.Client:
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"publisher-{broker.port}",
        clean_session=False,
    )
    client.reconnect_delay_set(min_delay=1, max_delay=2)
    client.connect("127.0.0.1", broker.port)
    client.loop_start()
    return client


def reading(device: Device, i: int) -> bytes:
    pack: list[dict[str, Any]] = [
        {"bn": f"{device.code}:", "n": "fillingLevel", "u": "/", "v": i / 100, "t": -3600 + i}
    ]
    return json.dumps(pack).encode()


def test_it_loses_and_doubles_nothing_when_the_broker_restarts(
    world: World, broker: Mosquitto, ingestor: Ingestor
) -> None:
    device, _ = testing.make_sensor_device(world.zones[0])
    topic = f"parkpact/{device.code}/attrs"
    client = publisher(broker)
    try:
        now = int(time.time())
        messages = [
            json.dumps([{"n": "fillingLevel", "u": "/", "v": i / 100, "t": now - 3600 + i}])
            for i in range(60)
        ]
        for payload in messages[:30]:
            client.publish(topic, payload, qos=1).wait_for_publish(5)
        assert wait_for(lambda: ingestor.stored > 0)
        broker.stop()
        for payload in messages[30:45]:
            client.publish(topic, payload, qos=1)  # queued by the client while the broker is down
        broker.start()
        for payload in messages[45:]:
            client.publish(topic, payload, qos=1)
        # Resending everything is harmless: idempotent per (device, time, quantity).
        for payload in messages[:5]:
            client.publish(topic, payload, qos=1)
        arrived = wait_for(lambda: ingestor.stored >= 60 and ingestor.received >= 65, 12)
        assert arrived, (ingestor.stored, ingestor.received)
        time.sleep(0.3)
        assert ingestor.stored == 60
        ingestor.stop()  # SQLite's shared in-memory test database: read only once it is idle
        assert Reading.objects.filter(device=device).count() == 60
        assert sorted(Reading.objects.values_list("value", flat=True)) == [
            i / 100 for i in range(60)
        ]
    finally:
        client.loop_stop()
        client.disconnect()


def test_it_logs_and_skips_bad_messages_and_keeps_running(
    world: World, broker: Mosquitto, ingestor: Ingestor, caplog: pytest.LogCaptureFixture
) -> None:
    device, _ = testing.make_sensor_device(world.zones[0])
    revoked, _ = testing.make_sensor_device(world.zones[0])
    from parkpact.sensors.services import revoke_device

    revoke_device(device=revoked, by=None)
    client = publisher(broker)
    try:
        now = time.time()
        bad = [
            (f"parkpact/{device.code}/attrs", b"{{ not json"),
            (f"parkpact/{device.code}/attrs", b'[{"n": "fillingLevel", "u": "kg", "v": 1}]'),
            (f"parkpact/{device.code}/attrs", b'[{"n": "fillingLevel", "u": "/", "v": "x"}]'),
            ("parkpact/no-such-device/attrs", reading(device, 1)),
            (f"parkpact/{revoked.code}/attrs", reading(device, 2)),
        ]
        for topic, payload in bad:
            client.publish(topic, payload, qos=1).wait_for_publish(5)
        good = json.dumps([{"n": "fillingLevel", "u": "/", "v": 0.42, "t": now - 10}])
        client.publish(f"parkpact/{device.code}/attrs", good, qos=1).wait_for_publish(5)
        assert wait_for(lambda: ingestor.received == 6)
        ingestor.stop()
        assert list(Reading.objects.values_list("device", "value")) == [(device.pk, 0.42)]
    finally:
        client.loop_stop()
        client.disconnect()


def test_a_message_that_fails_to_store_is_taken_again_not_lost(
    world: World, broker: Mosquitto, ingestor: Ingestor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from parkpact.sensors import mqtt as ingest_module

    device, _ = testing.make_sensor_device(world.zones[0])
    real = ingest_module.handle_message
    failures = []

    def flaky(topic: str, payload: bytes) -> int | None:
        if not failures:
            failures.append(topic)
            raise RuntimeError("the database went away")
        return real(topic, payload)

    monkeypatch.setattr(ingest_module, "handle_message", flaky)
    client = publisher(broker)
    try:
        payload = json.dumps([{"n": "fillingLevel", "u": "/", "v": 0.5, "t": time.time() - 5}])
        client.publish(f"parkpact/{device.code}/attrs", payload, qos=1).wait_for_publish(5)
        assert wait_for(lambda: ingestor.stored == 1, 10), (failures, ingestor.received)
        ingestor.stop()
        assert failures and Reading.objects.filter(device=device).count() == 1
    finally:
        client.loop_stop()
        client.disconnect()
