"""Signed stream URLs: `/stream/<signature>/<expires>/<asset>/<file>`.

The token sits in the path prefix, so the relative URLs inside the playlists (`160/index.m3u8`,
`init.mp4`, `seg_00003.m4s`) inherit it and no segment needs a signature of its own.

The asset names one published ladder and the highest rung the listener's tier may fetch:
`<track public id>.<ingest attempt>.<max kbps>`. A published ladder never changes (a re-ingest
writes under a new attempt), so everything under an asset may be cached for good, and the cache
key is the origin path without the token: one cached segment serves every listener.

The signature is nginx's `secure_link_md5` over `"<expires><asset> <secret>"` (base64url, no
padding), so nginx checks it with no request to Django. MD5 is what secure_link offers; with the
secret at the end the construction resists length extension, and a forger would need a second
preimage of a value we chose, not a collision. It was chosen over an HMAC in njs by measurement
(DESIGN.md: -4 % against static serving, where njs HMAC cost -41 %).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from enum import Enum

from django.conf import settings

# \A..\Z, not ^..$: "$" also matches before a final newline.
ASSET_RE = re.compile(r"\A(?P<track>[0-9A-Za-z]{22})\.(?P<attempt>[0-9A-Za-z]{1,32})\.(?P<ladder>[0-9]{2,4})\Z")
# Only the files an ingest writes; anything else (dots, slashes, escapes) never reaches storage.
# The init segment is `init_<n>.mp4`: when one ffmpeg run writes several variants (var_stream_map),
# hlsenc appends the variant's index (or its name, given `%v`) to -hls_fmp4_init_filename.
FILE_RE = re.compile(
    r"\A(?:master\.m3u8|(?P<rung>[0-9]{2,4})/(?:index\.m3u8|init(?:_[0-9]{1,4})?\.mp4|seg_[0-9]{5}\.m4s))\Z"
)
SIGNATURE_RE = re.compile(r"\A[A-Za-z0-9_-]{22}\Z")
EXPIRES_RE = re.compile(r"\A[0-9]{1,12}\Z")


class Verdict(Enum):
    OK = "ok"
    FORBIDDEN = "forbidden"  # a bad or tampered signature, or a rung the tier may not fetch: 403
    EXPIRED = "expired"  # a good signature past its expiry: 410
    NOT_FOUND = "not_found"  # no such file in the ladder: 404


@dataclass(frozen=True)
class Asset:
    track_id: str
    attempt: str
    ladder_kbps: int

    @property
    def name(self) -> str:
        return f"{self.track_id}.{self.attempt}.{self.ladder_kbps}"

    @property
    def prefix(self) -> str:
        """The storage prefix of the published ladder (catalog's `Track.hls_prefix`)."""
        return f"audio/{self.track_id}/{self.attempt}"


def parse_asset(name: str) -> Asset | None:
    match = ASSET_RE.match(name)
    if not match:
        return None
    return Asset(match["track"], match["attempt"], int(match["ladder"]))


def asset_for(hls_prefix: str, ladder_kbps: int) -> Asset:
    _, track_id, attempt = hls_prefix.split("/")
    return Asset(track_id, attempt, ladder_kbps)


def signature(asset_name: str, expires: int) -> str:
    digest = hashlib.md5(f"{expires}{asset_name} {settings.STREAM_SIGNING_SECRET}".encode()).digest()  # noqa: S324 (see module docstring)
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_path(asset: Asset, *, expires: int, file: str = "master.m3u8") -> str:
    return f"/stream/{signature(asset.name, expires)}/{expires}/{asset.name}/{file}"


def new_expiry(now: float | None = None) -> int:
    return int(now if now is not None else time.time()) + settings.STREAM_URL_LIFETIME_SECONDS


def origin_key(asset: Asset, file: str) -> str:
    """The storage key a stream file maps to. The master is per ladder: `master.m3u8` of an
    asset capped at 160 kbps is `master-160.m3u8`, which lists only the rungs up to 160."""
    if file == "master.m3u8":
        return f"{asset.prefix}/master-{asset.ladder_kbps}.m3u8"
    return f"{asset.prefix}/{file}"


def verify(
    sig: str, expires: str, asset_name: str, file: str, *, now: float | None = None
) -> tuple[Verdict, Asset | None]:
    """What nginx decides for a stream request, decided the same way in Python."""
    if not (SIGNATURE_RE.match(sig) and EXPIRES_RE.match(expires)):
        return Verdict.FORBIDDEN, None
    if not hmac.compare_digest(sig, signature(asset_name, int(expires))):
        return Verdict.FORBIDDEN, None
    if int(expires) < int(now if now is not None else time.time()):  # as nginx: valid through `expires`
        return Verdict.EXPIRED, None
    asset = parse_asset(asset_name)
    if asset is None:
        return Verdict.NOT_FOUND, None
    match = FILE_RE.match(file)
    if not match:
        return Verdict.NOT_FOUND, None
    rung = match["rung"]
    if rung is not None:
        if int(rung) not in settings.AUDIO_LADDER_KBPS:
            return Verdict.NOT_FOUND, None
        if int(rung) > asset.ladder_kbps:
            return Verdict.FORBIDDEN, None  # a free token on a 320 kbps file
    return Verdict.OK, asset
