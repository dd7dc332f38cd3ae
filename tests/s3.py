"""An S3-compatible server for the tests, and a fixture that points default_storage at it.

No S3 server (MinIO, Ceph, ...) is packaged for this machine, so moto's server mode stands in for
it: a real HTTP S3 endpoint on loopback that boto3 and django-storages talk to over the wire, the
same way they talk to AWS or MinIO in the services mode. It checks that a request to a private
bucket carries a signature but does not verify the signature itself.

Use it by importing both fixtures into a test module (or listing this module in a conftest's
`pytest_plugins`), then asking for `s3_storage`. The functions carry a `_fixture` suffix and
register under the short names, so a test's `s3_storage` argument does not shadow the import (F811):

    from tests.s3 import S3Bucket, s3_server_fixture, s3_storage_fixture  # noqa: F401
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from django.core.files.storage import default_storage

BUCKET = "streamify-test"
REGION = "us-east-1"
# Dummy credentials: moto accepts any, and a literal keeps a real key from ever being picked up
# from the environment or ~/.aws.
ACCESS_KEY = "testing"
SECRET_KEY = "testing"


@dataclass(frozen=True)
class S3Bucket:
    endpoint_url: str
    name: str
    client: object  # a boto3 S3 client with its own connection, independent of default_storage

    def keys(self, prefix: str = "") -> list[str]:
        """Every key under `prefix`, sorted (paginated: a ladder can exceed one 1,000-key page)."""
        keys: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix):
            keys += [entry["Key"] for entry in page.get("Contents", [])]
        return sorted(keys)

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def content_type(self, key: str) -> str:
        return self.client.head_object(Bucket=self.name, Key=key)["ContentType"]

    def empty(self) -> None:
        keys = self.keys()
        for start in range(0, len(keys), 1000):  # DeleteObjects takes at most 1,000 keys
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.name, Delete={"Objects": batch, "Quiet": True})


@pytest.fixture(scope="session", name="s3_server")
def s3_server_fixture() -> Iterator[S3Bucket]:
    """One moto server per test session on a loopback port the OS picks (port 0: no race with
    other processes for a "free" port), with one private bucket."""
    from moto.server import ThreadedMotoServer

    # werkzeug logs every request at INFO; the tests assert on what the requests did instead.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )
    client.create_bucket(Bucket=BUCKET)
    try:
        yield S3Bucket(endpoint_url=endpoint_url, name=BUCKET, client=client)
    finally:
        server.stop()


@pytest.fixture(name="s3_storage")
def s3_storage_fixture(s3_server: S3Bucket, settings) -> Iterator[S3Bucket]:
    """default_storage is django-storages' S3Storage on the moto server for this test, configured
    as settings.py configures it for MEDIA_STORAGE=s3; the bucket starts and ends empty."""
    s3_server.empty()
    # Assign a new dict (mutating STORAGES in place would send no signal): Django's
    # setting_changed handler for STORAGES empties the storages cache and resets default_storage,
    # and pytest-django's `settings` restores the old value, and so the filesystem, afterwards.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3_server.name,
                "endpoint_url": s3_server.endpoint_url,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "default_acl": None,
                "querystring_auth": True,
                "signature_version": "s3v4",  # as settings.py does
                "file_overwrite": True,
            },
        },
    }
    from storages.backends.s3 import S3Storage

    # The reset is Django's, not ours: fail loudly here rather than write to the filesystem.
    assert isinstance(default_storage, S3Storage), "STORAGES override did not reach default_storage"
    try:
        yield s3_server
    finally:
        s3_server.empty()
