"""`field__any=[...]`: membership in a list, bound as ONE array parameter on PostgreSQL.

`__in` binds one parameter per value: for the few hundred candidates a recommendation checks,
building, sending and parsing that many placeholders cost more than the query itself (measured
by tests/benchmarks/bench_recommendations.py). `= ANY(%s)` with the list as one array is the same
predicate, planned the same way (an index scan on `= ANY`). Other databases get a plain `IN`.
"""

from __future__ import annotations

from django.db.models import Field, ForeignObject, Lookup


def any_of(column: str, values: list, connection) -> tuple[str, list]:
    """`column` is one of `values`, for a hand-written statement: its SQL and its parameters."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False  # the right-hand side is a list, not one value of the field

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [self.lhs.output_field.get_prep_value(value) for value in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def register_lookups() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # relations keep their own registry (`track_id__any`)
