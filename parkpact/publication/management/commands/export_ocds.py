"""Publish, then write the OCDS release packages and records to a folder (for bulk download
or a static site): releases-1.json, releases-2.json … and records/<ocid>.json."""

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import timezone

from parkpact.publication import ocds
from parkpact.publication.models import Release
from parkpact.publication.services import publish_releases
from parkpact.publication.views import PAGE_SIZE, BadParameter, parse_moment, record_package


def record_file_name(ocid: str) -> str:
    """A file name for any ocid: characters unsafe in a path are percent-encoded."""
    return quote(ocid, safe="") + ".json"


class Command(BaseCommand):
    help = (
        "Publish new OCDS releases, then write release packages (releases-<n>.json, "
        "500 releases each) and one record package per process (records/<ocid>.json)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="The folder to write to.")
        parser.add_argument(
            "--since", default="", help="Only releases dated from this ISO date or date-time."
        )
        parser.add_argument(
            "--base-url",
            default="",
            help="Where the folder will be served, e.g. https://example.org/ocds/ "
            "(default: file URLs of the folder).",
        )

    def handle(self, *args: Any, output: str, since: str, base_url: str, **options: Any) -> None:
        folder = Path(output).resolve()
        try:
            start = parse_moment(since, "since") if since else None
        except BadParameter as error:
            raise CommandError(error.message) from error
        base = base_url if not base_url or base_url.endswith("/") else base_url + "/"
        base = base or folder.as_uri() + "/"
        (folder / "records").mkdir(parents=True, exist_ok=True)

        published = publish_releases(now=timezone.now())
        pages, page_of = self.write_packages(folder, base, start)
        query = Release.objects.all() if start is None else Release.objects.filter(date__gte=start)
        ocids = sorted(set(query.values_list("ocid", flat=True)))
        for ocid in ocids:
            rows = list(
                Release.objects.filter(ocid=ocid)
                .order_by("date", "id")
                .values_list("release_id", "date", "tags", "data")
            )
            name = record_file_name(ocid)
            package = record_package(
                ocid=ocid,
                rows=rows,
                uri=f"{base}records/{name}",
                link=lambda release_id, _moment: (
                    f"{base}releases-{page_of.get(release_id, 1)}.json#{quote(release_id)}"
                ),
            )
            (folder / "records" / name).write_text(ocds.dumps(package), encoding="utf-8")
        self.stdout.write(
            f"Published {published} new releases; wrote {pages} release packages and "
            f"{len(ocids)} records to {folder}."
        )

    def write_packages(
        self, folder: Path, base: str, start: datetime | None
    ) -> tuple[int, dict[str, int]]:
        """Page through the releases by (date, id), one package file a page; return the
        number of pages and the page of each release id."""
        query = Release.objects.order_by("date", "id")
        if start is not None:
            query = query.filter(date__gte=start)
        number = 0
        page_of: dict[str, int] = {}
        after: tuple[datetime, int] | None = None
        while True:
            page = query
            if after is not None:
                page = page.filter(Q(date__gt=after[0]) | Q(date=after[0], id__gt=after[1]))
            rows = list(page.values_list("id", "date", "data", "release_id")[: PAGE_SIZE + 1])
            if not rows and number:
                return number, page_of
            number += 1
            page_of.update((row[3], number) for row in rows[:PAGE_SIZE])
            nxt = f"{base}releases-{number + 1}.json"
            with (folder / f"releases-{number}.json").open("w", encoding="utf-8") as out:
                for chunk in ocds.stream_release_package(
                    ((pk, moment, data) for pk, moment, data, _id in rows),
                    uri=f"{base}releases-{number}.json",
                    published=timezone.now(),
                    page_size=PAGE_SIZE,
                    next_uri=lambda _moment, _pk, nxt=nxt: nxt,  # type: ignore[misc]
                ):
                    out.write(chunk)
            if len(rows) <= PAGE_SIZE:
                return number, page_of
            after = (rows[PAGE_SIZE - 1][1], rows[PAGE_SIZE - 1][0])
