"""Emptying the test database after each test, and putting the demo government back in a few milliseconds.

Loading the demo through its service (hashing every demo password, running every workflow) takes over a
second; most tests need it. It is loaded once per database and worker, saved, and each test that asks for
it gets the saved rows back: the same rows, ids and sequence positions a fresh load gives at the suite's
moment.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from app.core.extensions import db


def _table_names() -> list[str]:
    return [table.name for table in db.metadata.sorted_tables]  # parents first


_sequence_names: dict[str, list[str]] = {}  # per database: the migrations made them, nothing adds one later


def _sequences(cursor) -> list[str]:
    key = str(db.engine.url)
    if key not in _sequence_names:
        cursor.execute("SELECT quote_ident(sequence_name) FROM information_schema.sequences "
                       "WHERE sequence_schema = 'public'")
        _sequence_names[key] = [row[0] for row in cursor.fetchall()]
    return _sequence_names[key]


_migrated: dict[str, Saved] = {}  # per database: the rows the migrations seed (categories, SLA targets)


def remember_migrated() -> None:
    """Called once per database, right after the migrations ran."""
    _migrated[str(db.engine.url)] = save()


def reset() -> None:
    """The database as the migrations left it: their seed rows, nothing else, the same id counters."""
    restore(_migrated[str(db.engine.url)])


def _empty_postgresql(cursor) -> None:
    """Every table emptied and every id counter back to 1, in one round trip (a statement each took ~200)."""
    # DELETE beats TRUNCATE on tables this small (TRUNCATE makes new files for each table); foreign-key
    # triggers are off for the statements, as every table is emptied anyway.
    statements = ["SET session_replication_role = replica",
                  *(f'DELETE FROM "{table}"' for table in reversed(_table_names())),
                  *(f"SELECT setval('{sequence}', 1, false)" for sequence in _sequences(cursor))]
    cursor.execute("; ".join(statements))  # no parameters: one simple-protocol query of many statements


@dataclass
class Saved:
    """The rows of every table (PostgreSQL: COPY data and sequence positions; SQLite: a copy of the file)."""

    copies: dict[str, bytes] | None = None
    sequences: dict[str, tuple[int, bool]] | None = None
    sqlite_copy: sqlite3.Connection | None = None


def save() -> Saved:
    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        if db.engine.dialect.name == "postgresql":
            cursor = raw.cursor()
            copies = {}
            for table in _table_names():
                with cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                    copies[table] = b"".join(bytes(block) for block in copy)
            sequences = {}
            for sequence in _sequences(cursor):
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
                sequences[sequence] = tuple(cursor.fetchone())
            raw.commit()
            return Saved(copies=copies, sequences=sequences)
        saved = sqlite3.connect(":memory:", check_same_thread=False)
        raw.driver_connection.backup(saved)
        return Saved(sqlite_copy=saved)
    finally:
        raw.close()


def restore(saved: Saved) -> None:
    """The database holds exactly the saved rows again."""
    db.session.remove()
    raw = db.engine.raw_connection()
    try:
        if saved.sqlite_copy is not None:
            raw.commit()
            saved.sqlite_copy.backup(raw.driver_connection)  # the whole file, page for page: nothing else stays
            return
        cursor = raw.cursor()
        _empty_postgresql(cursor)
        for table, data in saved.copies.items():
            if len(data) > 19 + 2:  # more than the binary format's header and trailer: the table has rows
                with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                    copy.write(data)
        for sequence, (last_value, is_called) in saved.sequences.items():
            cursor.execute(f"SELECT setval('{sequence}', {int(last_value)}, {bool(is_called)})")
        cursor.execute("SET session_replication_role = DEFAULT")
        raw.commit()
    finally:
        raw.close()

