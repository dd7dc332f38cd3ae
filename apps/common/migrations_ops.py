"""Migration operations that differ by database vendor."""

from __future__ import annotations

from django.db import migrations


def vendor_sql(**sql_by_vendor: tuple[list[str], list[str]]) -> migrations.RunPython:
    """Statements (forwards, backwards) for each vendor, by `connection.vendor`; other vendors get none."""

    def run(direction: int):
        def apply(apps, schema_editor):
            for statement in sql_by_vendor.get(schema_editor.connection.vendor, ([], []))[direction]:
                schema_editor.execute(statement)

        return apply

    return migrations.RunPython(run(0), run(1))
