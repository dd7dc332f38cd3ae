"""The nginx edge, rendered from settings.

docker/nginx/templates/*.template hold the edge (signature checks, the stream cache, the origins,
the app proxy) with `${STREAMIFY_*}` placeholders. docker compose fills them with the official
image's envsubst; `render_edge()` fills them from settings for `make nginx`, the tests and the
benchmark, and adds docker/nginx/nginx.conf.template as the main file of a self-contained prefix:

    <out>/nginx.conf            nginx -p <out> -c nginx.conf -e stderr -g 'daemon off;'
    <out>/streamify/*.conf      the rendered templates (included by nginx.conf)
    <out>/conf.d/               local additions, included at http level (empty)
    <out>/logs/ temp/ cache/    pid, logs, temporary files, the stream cache

Every path is inside <out>, so nginx runs as any user.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

NGINX_DIR = Path(settings.BASE_DIR) / "docker" / "nginx"
TEMPLATE_DIR = NGINX_DIR / "templates"
MAIN_TEMPLATE = NGINX_DIR / "nginx.conf.template"
PLACEHOLDER_RE = re.compile(r"\$\{(STREAMIFY_[A-Z0-9_]+)\}")
# Values land inside nginx directives, some in double quotes: a quote, `$` (nginx would read a
# variable), `;`, a brace, a backslash or white space would change the configuration's meaning.
PLAIN_VALUE_RE = re.compile(r'^[^"\'$;{}\\\s]*$')
# Generated from settings, not typed by anyone, and meant to carry `;`, `:` and `|`.
GENERATED = {"STREAMIFY_RUNG_RULES", "STREAMIFY_WORKER_USER"}
NGINX_VARIABLE_RE = re.compile(r"^(?:\$[a-z0-9_]+)?$")  # the country value: empty or one nginx variable


class EdgeConfigError(ValueError):
    """A setting cannot be written into the nginx configuration."""


@dataclass(frozen=True)
class EdgeOptions:
    listen: str = "127.0.0.1:8080"  # the edge's address, e.g. 8080 or 0.0.0.0:80
    app_upstream: str = "127.0.0.1:8000"  # where the Django app listens
    origin_port: int = 8081  # the local-files origin, on 127.0.0.1
    workers: str = "auto"
    cache_max_size: str = "10g"
    country_from: str = ""  # an nginx variable holding the listener's country (GeoIP), or none


def rung_rules(ladder: tuple[int, ...], caps: set[int]) -> str:
    """The `<cap>:<rung> ok;` entries of the edge's rung map: each rung up to each cap."""
    return " ".join(f"{cap}:{rung} ok;" for cap in sorted(caps) for rung in ladder if rung <= cap)


def worker_user_directive() -> str:
    """nginx started as root runs its workers as `nobody`, who may not read a private MEDIA_ROOT or
    prefix; keep them the starting user. Unprivileged, nginx cannot switch users: no directive."""
    if os.geteuid() != 0:
        return ""
    return f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"


def origin_variables(origin_port: int) -> dict[str, str]:
    """Where the edge fetches ladders: the local-files origin, or the S3-compatible bucket."""
    if settings.MEDIA_STORAGE != "s3":
        return {
            "STREAMIFY_ORIGIN_SERVER": f"127.0.0.1:{origin_port}",
            "STREAMIFY_ORIGIN_SCHEME": "http",
            "STREAMIFY_ORIGIN_HOST": "127.0.0.1",
            "STREAMIFY_ORIGIN_PATH": "",
        }
    options = settings.STORAGES["default"]["OPTIONS"]
    bucket = options["bucket_name"]
    if options.get("endpoint_url"):
        # MinIO, Ceph, moto...: path-style, the bucket in the path.
        endpoint = urlsplit(options["endpoint_url"])
        port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
        return {
            "STREAMIFY_ORIGIN_SERVER": f"{endpoint.hostname}:{port}",
            "STREAMIFY_ORIGIN_SCHEME": endpoint.scheme,
            "STREAMIFY_ORIGIN_HOST": endpoint.netloc,
            "STREAMIFY_ORIGIN_PATH": f"{endpoint.path.rstrip('/')}/{bucket}",
        }
    # AWS: virtual-hosted style, the bucket in the host name.
    host = f"{bucket}.s3.{options.get('region_name') or 'us-east-1'}.amazonaws.com"
    return {
        "STREAMIFY_ORIGIN_SERVER": f"{host}:443",
        "STREAMIFY_ORIGIN_SCHEME": "https",
        "STREAMIFY_ORIGIN_HOST": host,
        "STREAMIFY_ORIGIN_PATH": "",
    }


def edge_variables(*, prefix: Path, options: EdgeOptions) -> dict[str, str]:
    """Every placeholder's value, from settings. `prefix` is the folder nginx runs in."""
    ladder = tuple(settings.AUDIO_LADDER_KBPS)
    listen = options.listen if ":" in options.listen else f"127.0.0.1:{options.listen}"
    values = {
        "STREAMIFY_LISTEN": listen,
        "STREAMIFY_WORKERS": options.workers,
        "STREAMIFY_WORKER_USER": worker_user_directive(),
        "STREAMIFY_APP_UPSTREAM": options.app_upstream,
        "STREAMIFY_SIGNING_SECRET": settings.STREAM_SIGNING_SECRET,
        "STREAMIFY_CORS_ALLOW_ORIGIN": settings.STREAM_CORS_ALLOW_ORIGIN,
        "STREAMIFY_LADDER_RUNGS": "|".join(str(rung) for rung in ladder),
        "STREAMIFY_RUNG_RULES": rung_rules(ladder, {*ladder, *settings.TIER_MAX_KBPS.values()}),
        "STREAMIFY_MEDIA_ROOT": str(Path(settings.MEDIA_ROOT).resolve()),
        "STREAMIFY_ORIGIN_PORT": str(options.origin_port),
        "STREAMIFY_ORIGIN_ACCESS_LOG": str(prefix / "logs" / "origin.access.log"),
        "STREAMIFY_CACHE_DIR": str(prefix / "cache"),
        "STREAMIFY_CACHE_MAX_SIZE": options.cache_max_size,
        "STREAMIFY_COUNTRY_HEADER": settings.COUNTRY_HEADER or "X-Country",
        "STREAMIFY_COUNTRY_VALUE": options.country_from,
        **origin_variables(options.origin_port),
    }
    for name, value in values.items():
        if name == "STREAMIFY_COUNTRY_VALUE":
            if not NGINX_VARIABLE_RE.match(value):
                raise EdgeConfigError(f"the country must come from one nginx variable (or none), not {value!r}")
        elif name not in GENERATED and not PLAIN_VALUE_RE.match(value):
            raise EdgeConfigError(
                f"{name} = {value!r} cannot be written into the nginx configuration: it must not hold quotes, "
                "'$', ';', braces, backslashes or white space."
            )
    if not values["STREAMIFY_SIGNING_SECRET"]:
        raise EdgeConfigError("STREAM_SIGNING_SECRET is empty.")
    return values


def fill(template: str, values: dict[str, str]) -> str:
    """envsubst's substitution, limited to the STREAMIFY_* placeholders (and strict: none may be missing)."""

    def value_of(match: re.Match) -> str:
        name = match[1]
        if name not in values:
            raise EdgeConfigError(f"the nginx templates use ${{{name}}}, which render_edge does not provide")
        return values[name]

    return PLACEHOLDER_RE.sub(value_of, template)


def render_edge(*, out_dir: Path, options: EdgeOptions) -> Path:
    """Write a runnable nginx prefix into `out_dir` (see the module docstring); returns nginx.conf's path."""
    out_dir = out_dir.resolve()
    values = edge_variables(prefix=out_dir, options=options)
    rendered = out_dir / "streamify"
    if rendered.exists():
        shutil.rmtree(rendered)  # no stale file from an older template set
    for folder in (rendered, out_dir / "conf.d", out_dir / "logs", out_dir / "temp", out_dir / "cache"):
        folder.mkdir(parents=True, exist_ok=True)
    main = out_dir / "nginx.conf"
    outputs = [(rendered / t.name.removesuffix(".template"), t) for t in sorted(TEMPLATE_DIR.glob("*.template"))]
    for target, template in [*outputs, (main, MAIN_TEMPLATE)]:
        target.write_text(fill(template.read_text(), values))
        target.chmod(0o600)  # the signing secret is in there; nginx's master reads it as the same user
    return main


def nginx_binary() -> str | None:
    """nginx on PATH, or Debian's /usr/sbin/nginx (not on a normal user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
