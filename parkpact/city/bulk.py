"""Bulk writing for the big tables: COPY on PostgreSQL, executemany on SQLite, in batches.

``bulk_create`` builds a model instance per row and an INSERT per batch; for the million
service requests and the twenty million readings that is most of the build. Rows here are
plain dicts of column values (attnames), streamed in batches of ``BATCH`` so memory stays
bounded whatever the scale. Columns a row leaves out take the field's default.
"""

import sys
from collections.abc import Iterable
from datetime import datetime
from types import TracebackType
from typing import Any

from django.db import connection, models
from tqdm import tqdm

BATCH = 5_000


def progress_bar(*, total: int, label: str, progress: bool) -> tqdm:
    """A bar on standard error when ``progress`` (and standard error is a terminal)."""
    return tqdm(
        total=total,
        desc=label,
        unit="row",
        unit_scale=True,
        disable=None if progress else True,
        file=sys.stderr,
        leave=False,
    )


class TableWriter:
    """Writes rows of one model's table in batches; use as a context manager."""

    def __init__(self, model: type[models.Model], *, now: datetime) -> None:
        self.model = model
        self.fields = [
            field
            for field in model._meta.concrete_fields
            if not isinstance(field, models.AutoField | models.BigAutoField)
        ]
        self.now = now
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0
        self.postgresql = connection.vendor == "postgresql"
        columns = ", ".join(connection.ops.quote_name(field.column) for field in self.fields)
        table = connection.ops.quote_name(model._meta.db_table)
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        marks = ", ".join(["%s"] * len(self.fields))
        self.insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608

    def add(self, row: dict[str, Any]) -> None:
        values = []
        for field in self.fields:
            if field.attname in row:
                value = row[field.attname]
            elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            else:
                value = field.get_default()
            values.append(value)
        self.rows.append(tuple(values))
        if len(self.rows) >= BATCH:
            self.flush()

    def add_all(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if self.postgresql:
                from psycopg.types.json import Jsonb

                json_columns = [
                    n for n, f in enumerate(self.fields) if isinstance(f, models.JSONField)
                ]
                with cursor.copy(self.copy_sql) as copy:
                    for values in self.rows:
                        if json_columns:
                            listed = list(values)
                            for n in json_columns:
                                listed[n] = Jsonb(listed[n])
                            values = tuple(listed)
                        copy.write_row(values)
            else:
                cursor.executemany(
                    self.insert_sql,
                    [
                        [
                            field.get_db_prep_save(value, connection)
                            for field, value in zip(self.fields, values, strict=True)
                        ]
                        for values in self.rows
                    ],
                )
        self.written += len(self.rows)
        self.rows = []

    def __enter__(self) -> "TableWriter":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self.flush()
