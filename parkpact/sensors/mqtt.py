"""The MQTT ingest worker: subscribes to parkpact/<device id>/attrs and stores SenML packs.

Delivery: QoS 1 with a persistent session (clean_session=False and a fixed client id), so the
broker keeps messages for the worker while it is away. paho acknowledges a message only after
on_message returns, i.e. after the readings are committed; a message redelivered after a crash
or a broker restart is harmless because readings are unique per (device, time, quantity).

Authentication: the topic names the device, and MQTT carries no device secret here: the broker's
ACLs must allow each device's credentials to publish only on its own topic (docs/sensors.md).
"""

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from django.db import close_old_connections

from .models import Device
from .services import ingest_pack

logger = logging.getLogger("parkpact.sensors.mqtt")

TOPIC = "parkpact/+/attrs"
DEFAULT_URL = "mqtt://127.0.0.1:1883"
DEFAULT_CLIENT_ID = "parkpact-ingest"


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None


def parse_url(url: str) -> Broker:
    parts = urlparse(url)
    if parts.scheme != "mqtt" or not parts.hostname:
        raise ValueError(f"Give the broker as mqtt://host[:port], not {url!r}.")
    return Broker(parts.hostname, parts.port or 1883, parts.username, parts.password)


def device_code_of(topic: str) -> str | None:
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "parkpact" and parts[2] == "attrs" and parts[1]:
        return parts[1]
    return None


def handle_message(topic: str, payload: bytes) -> int | None:
    """Store one message's readings; the number stored, or None when it was rejected (logged)."""
    close_old_connections()
    code = device_code_of(topic)
    device = Device.objects.filter(code=code, revoked_at__isnull=True).first() if code else None
    if device is None:
        logger.warning("Rejected a message on %s: unknown or revoked device.", topic)
        return None
    try:
        pack = json.loads(payload)
        stored = ingest_pack(device=device, pack=pack)
    except (ValueError, UnicodeDecodeError) as error:
        code = getattr(error, "code", "bad_json")
        logger.warning("Rejected a message on %s: %s (%s).", topic, code, error)
        return None
    return stored.stored


class Ingestor:
    """One MQTT client that stores what it receives until stop() is called."""

    def __init__(self, url: str = DEFAULT_URL, *, client_id: str = DEFAULT_CLIENT_ID) -> None:
        self.broker = parse_url(url)
        self.client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            # A message is acknowledged only once it is stored (or rejected for good), so a
            # database failure loses nothing: the broker sends it again after reconnecting.
            manual_ack=True,
        )
        if self.broker.username:
            self.client.username_pw_set(self.broker.username, self.broker.password)
        # paho doubles the wait after each failed attempt, from 1 s up to 30 s.
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.connected = threading.Event()
        self.received = 0  # messages seen, and readings newly stored: for tests and logs
        self.stored = 0
        self._stopping = threading.Event()
        self._retry = False

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            logger.error("The broker refused the connection: %s", reason)
            return
        client.subscribe(TOPIC, qos=1)
        logger.info(
            "Connected to %s:%s, listening on %s", self.broker.host, self.broker.port, TOPIC
        )
        self.connected.set()

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self.connected.clear()
        if reason.is_failure:
            logger.warning("Lost the broker (%s); reconnecting with back-off.", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.received += 1
        try:
            stored = handle_message(message.topic, message.payload) or 0
        except Exception:
            # A database hiccup (or a bug) must not stop the worker, nor lose the message: leave
            # it unacknowledged and reconnect, and the broker delivers it again.
            logger.exception("Failed to store a message on %s: will take it again", message.topic)
            self._retry = True
            client.disconnect()
            return
        self.stored += stored
        client.ack(message.mid, message.qos)

    def run(self) -> None:
        """Connect (retrying while the broker is down) and process messages until stop()."""
        delay = 1.0
        while not self._stopping.is_set():
            self._retry = False
            self.client.connect_async(self.broker.host, self.broker.port, keepalive=30)
            self.client.loop_forever(retry_first_connection=True)
            if not self._retry:
                return
            self._stopping.wait(delay)  # back off before taking the message again
            delay = min(delay * 2, 30.0)

    def stop(self) -> None:
        self._stopping.set()
        self.client.disconnect()
