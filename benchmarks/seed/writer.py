"""Bulk writes for the scale seeder: COPY on PostgreSQL, multi-row INSERTs elsewhere.

Rows are plain tuples in the order of the columns the caller names; every other
concrete field of the model is filled from its Django default (or ``now`` for
``auto_now`` fields, NULL for nullable ones), so a field another capability adds
later with a default does not break the seeder. A new NOT NULL field without a
default is reported by name instead of failing inside COPY.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connection as default_connection
from django.db import models
from django.utils import timezone

INSERT_BATCH = 500  # rows per multi-row INSERT on backends without COPY


class SeedError(RuntimeError):
    """The database or the models are not in a state the seeder can fill."""


def _is_json(field) -> bool:
    return isinstance(field, models.JSONField)


def _default_producer(field, now):
    """A zero-argument callable giving the value for a column the caller does not supply."""
    if field.has_default():
        default = field.default
        if callable(default) and default not in (dict, list):
            return field.get_default  # e.g. uuid4: a fresh value per row
        value = field.get_default()
        return lambda: value
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.null:
        return lambda: None
    if field.empty_strings_allowed and not field.primary_key:
        return lambda: ""
    raise SeedError(
        f"{field.model._meta.label}.{field.name} is NOT NULL without a default: "
        "teach the scale seeder (benchmarks/seed) how to fill it"
    )


def table_columns(conn, table: str) -> set[str]:
    with conn.cursor() as cur:
        return {col.name for col in conn.introspection.get_table_description(cur, table)}


class BulkWriter:
    """``with BulkWriter(Model, ["col", ...]) as w: w.write((v, ...))``."""

    def __init__(self, model, columns: Sequence[str], *, connection=None):
        self.model = model
        self.connection = connection or default_connection
        self.table = model._meta.db_table
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in by_attname]
        if unknown:
            raise SeedError(f"{model._meta.label} has no column(s) {', '.join(unknown)}")
        now = timezone.now()
        self.columns = list(columns)
        present = table_columns(self.connection, self.table)
        # Fields the caller leaves out get their defaults; a field whose migration has not
        # been applied to this database yet has no column and is left out too.
        self.extra = [
            f for f in model._meta.concrete_fields
            if f.attname not in self.columns and f.column in present and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        self.producers = [_default_producer(f, now) for f in self.extra]
        self.fields = [by_attname[c] for c in self.columns] + self.extra
        self.json_idx = [i for i, f in enumerate(self.fields) if _is_json(f)]
        self.count = 0
        self._copy = None
        self._cursor = None
        self._buffer: list[tuple] = []
        self.use_copy = self.connection.vendor == "postgresql"

    # -- context manager ------------------------------------------------------------------
    def __enter__(self):
        self.connection.ensure_connection()
        self._cursor = self.connection.cursor()
        cols = ", ".join(self.connection.ops.quote_name(f.column) for f in self.fields)
        table = self.connection.ops.quote_name(self.table)
        if self.use_copy:
            self._copy_cm = self._cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN")
            self._copy = self._copy_cm.__enter__()
        else:
            marks = ", ".join(["%s"] * len(self.fields))
            self._sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.use_copy:
                self._copy_cm.__exit__(exc_type, exc, tb)
            elif exc_type is None:
                self._flush()
        finally:
            self._cursor.close()
        return False

    # -- rows -----------------------------------------------------------------------------
    def write(self, row: Sequence) -> None:
        values = list(row)
        if self.producers:
            values.extend(p() for p in self.producers)
        for i in self.json_idx:
            if not isinstance(values[i], str) and values[i] is not None:
                values[i] = json.dumps(values[i], ensure_ascii=False)
        self.count += 1
        if self.use_copy:
            self._copy.write_row(values)
        else:
            self._buffer.append(self._prep(values))
            if len(self._buffer) >= INSERT_BATCH:
                self._flush()

    def write_many(self, rows: Iterable[Sequence]) -> None:
        for row in rows:
            self.write(row)

    def _prep(self, values: list) -> tuple:
        out = []
        for i, (field, value) in enumerate(zip(self.fields, values)):
            out.append(value if i in self.json_idx else field.get_db_prep_save(value, self.connection))
        return tuple(out)

    def _flush(self) -> None:
        if self._buffer:
            self._cursor.executemany(self._sql, self._buffer)
            self._buffer.clear()


def write_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    with BulkWriter(model, columns) as writer:
        writer.write_many(rows)
    return writer.count


def reset_sequence(model, *, connection=None) -> None:
    """After explicit ids were written, move the id sequence past them (PostgreSQL)."""
    conn = connection or default_connection
    if conn.vendor != "postgresql":
        return  # SQLite AUTOINCREMENT follows the largest id written
    table = model._meta.db_table
    pk = model._meta.pk.column
    with conn.cursor() as cur:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({conn.ops.quote_name(pk)}) FROM "
            f"{conn.ops.quote_name(table)}), 0) + 1, false)",
            [table, pk],
        )


def next_id(model) -> int:
    agg = model.objects.aggregate(m=models.Max("pk"))["m"]
    return (agg or 0) + 1


@contextmanager
def fast_load(*models, connection=None):
    """Load `models` the way pg_restore does: plain indexes rebuilt after the load, FK triggers off.

    - The plain (non-constraint) indexes of tables that start empty are dropped and
      rebuilt once at the end: several times faster than updating them row by row.
      Primary keys and unique constraints stay (they guard the data).
    - When the database role may (a superuser), per-row foreign-key triggers are off for
      the transaction (``session_replication_role = replica``, as ``pg_restore
      --disable-triggers``); afterwards every foreign key of the loaded tables is checked
      with one anti-join each, and a dangling reference fails the step.

    Must run inside the step's transaction. PostgreSQL only; elsewhere a no-op.
    """
    conn = connection or default_connection
    if conn.vendor != "postgresql":
        yield
        return
    q = conn.ops.quote_name
    saved: list[str] = []
    with conn.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cur.fetchone()
        triggers_off = bool(row and row[0])
        if triggers_off:
            cur.execute("SET LOCAL session_replication_role = replica")
        for model in models:
            table = model._meta.db_table
            cur.execute(f"SELECT EXISTS (SELECT 1 FROM {q(table)})")
            if cur.fetchone()[0]:
                continue
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            for name, definition in cur.fetchall():
                saved.append(definition)
                cur.execute(f"DROP INDEX {q(name)}")
    yield
    with conn.cursor() as cur:
        for definition in saved:
            cur.execute(definition)
        if triggers_off:
            cur.execute("SET LOCAL session_replication_role = DEFAULT")
            for model in models:
                for f in model._meta.concrete_fields:
                    if not (f.is_relation and f.many_to_one):
                        continue
                    target = f.related_model._meta
                    cur.execute(
                        f"SELECT count(*) FROM {q(model._meta.db_table)} t WHERE t.{q(f.column)} IS NOT NULL AND NOT EXISTS "
                        f"(SELECT 1 FROM {q(target.db_table)} x WHERE x.{q(f.target_field.column)} = t.{q(f.column)})"
                    )
                    broken = cur.fetchone()[0]
                    if broken:
                        raise SeedError(f"{broken} rows of {model._meta.db_table}.{f.column} point nowhere ({target.db_table})")
