from __future__ import annotations

from django.db import models

from apps.common.ids import PUBLIC_ID_LENGTH, new_public_id


class PublicIdField(models.CharField):
    """The id a row is known by outside the database (URLs, URIs, API)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", PUBLIC_ID_LENGTH)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", new_public_id)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key, value in (("max_length", PUBLIC_ID_LENGTH), ("unique", True), ("editable", False)):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        kwargs.pop("default", None)
        return name, path, args, kwargs


class BytewiseCharField(models.CharField):
    """Text compared byte for byte: "C" collation on PostgreSQL, whose default collation ignores
    case and punctuation at first and so breaks range scans on prefixes; SQLite compares text
    with memcmp already. A prefix is then the range [p, p + U+10FFFF) on either."""

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters
