"""The production static build (docker/Dockerfile runs it): collectstatic with the manifest storage
that DEBUG=0 uses, which refuses any CSS url() or JS sourceMappingURL it cannot resolve."""

from __future__ import annotations

import json

from django.core.management import call_command


def test_collectstatic_with_the_production_storage_resolves_every_reference(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    call_command("collectstatic", interactive=False, verbosity=0)

    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("js/player/main.js", "js/search.js", "vendor/hls.js/hls.light.min.js", "css/app.css"):
        assert name in manifest
        assert (tmp_path / manifest[name]).is_file()
