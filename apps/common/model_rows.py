"""Model instances from the rows of a hand-written SELECT, made as the ORM makes them.

For a hot read of a few rows the ORM's own cost is compiling the query, not running it: loading five
tracks with their albums and credits spent ~1.2 ms of ~3.7 building three statements' SQL that never
changes (bench_recommendations). A `ModelColumns` names a model's concrete columns under a table
alias for such a statement, once, and makes each instance from its slice of a row with
`Model.from_db` after each field's database converters (a JSON field's decoding, SQLite's
datetimes), so the instances are the ones a queryset would have returned.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import Model
from django.db.models.expressions import Col

from apps.common.driver_cursor import driver_cursor


class ModelColumns:
    def __init__(self, model: type[Model], alias: str):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self.alias = alias
        self._converters: dict[str, list[tuple[int, Col, list]]] = {}  # database alias -> what to convert

    def __len__(self) -> int:
        return len(self.fields)

    def select_list(self, using: str = "default") -> str:
        """The columns, qualified by the alias, in the order `make` reads them."""
        quote = connections[using].ops.quote_name
        return ", ".join(f"{self.alias}.{quote(field.column)}" for field in self.fields)

    def make(self, row, start: int = 0, using: str = "default") -> Model:
        """The instance held in `row[start:start + len(self)]`."""
        values = list(row[start : start + len(self.fields)])
        connection = connections[using]
        for index, column, converters in self._converters_for(using):
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(using, self.attnames, values)

    def _converters_for(self, using: str) -> list[tuple[int, Col, list]]:
        """What the compiler would convert each column with (`SQLCompiler.get_converters`)."""
        if using not in self._converters:
            connection = connections[using]
            found = []
            for index, field in enumerate(self.fields):
                column = field.get_col(self.alias)
                converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
                if converters:
                    found.append((index, column, converters))
            self._converters[using] = found
        return self._converters[using]


def save_row(instance: Model, using: str = "default") -> int:
    """`instance.save()` of a row that exists, as one hand-written UPDATE of every concrete field:
    each value goes through its field's `pre_save` (`auto_now`) and `get_db_prep_save`, as the
    ORM's update does, without compiling the statement. No signals are sent. Returns the number of
    rows written (0: the row is gone)."""
    model = type(instance)
    connection = connections[using]
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    statement = _update_statements.get((model, connection.vendor))
    if statement is None:
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        statement = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608 (identifiers from the model, quoted)
        _update_statements[(model, connection.vendor)] = statement
    params = [field.get_db_prep_save(field.pre_save(instance, False), connection) for field in fields]
    params.append(meta.pk.get_db_prep_value(instance.pk, connection))
    with driver_cursor(using) as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


_update_statements: dict[tuple[type[Model], str], str] = {}
