"""Write every open dataset as CSV and XLSX: `manage.py export_opendata --output DIR`.

For publishing on another server or a data portal: the files are the same bytes the
/open-data/ downloads serve (docs/open-data.md). Each file is written beside its final name and
then renamed, so a web server reading the folder never serves half a file.
"""

import os
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from parkpact.publication import opendata


def _write_xlsx(dataset: opendata.Dataset, file: Any) -> int:
    return file.write(opendata.xlsx_bytes(dataset))


def _write_atomically(path: Path, write: Callable[[Any], int], *, binary: bool) -> int:
    """What ``write`` returns, having written ``path`` through a temporary file beside it."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        if binary:
            with os.fdopen(handle, "wb") as file:
                result = write(file)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                result = write(file)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result


class Command(BaseCommand):
    help = "Write each open dataset as <dataset>.csv and <dataset>.xlsx into a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="The folder to write to.")
        parser.add_argument(
            "--dataset",
            action="append",
            choices=list(opendata.BY_SLUG),
            help="Only this dataset (repeatable); every dataset when not given.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["output"])
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"Cannot create {folder}: {error}") from error
        slugs = options["dataset"] or list(opendata.BY_SLUG)
        for slug in slugs:
            dataset = opendata.BY_SLUG[slug]
            rows = _write_atomically(
                folder / f"{slug}.csv",
                partial(opendata.write_csv, dataset),
                binary=False,
            )
            _write_atomically(folder / f"{slug}.xlsx", partial(_write_xlsx, dataset), binary=True)
            self.stdout.write(f"{slug}: {rows} rows -> {slug}.csv, {slug}.xlsx")
        self.stdout.write(f"Open data written to {folder.resolve()}")
