"""manage.py mqtt_ingest: the worker that stores sensor readings sent over MQTT."""

import signal
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from parkpact.sensors.mqtt import DEFAULT_CLIENT_ID, DEFAULT_URL, Ingestor


class Command(BaseCommand):
    help = "Subscribe to parkpact/<device id>/attrs and store the SenML readings (SIGTERM stops)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=DEFAULT_URL, help="mqtt://[user:password@]host[:port]")
        parser.add_argument(
            "--client-id",
            default=DEFAULT_CLIENT_ID,
            help="Keep it fixed: the broker keeps this client's session and queued messages.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ingestor = Ingestor(options["url"], client_id=options["client_id"])

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stdout.write("Stopping.")
            ingestor.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Listening on {options['url']} as {options['client_id']}.")
        ingestor.run()
        self.stdout.write("Stopped.")
