"""Detect an upload's format from its content, never from its name or the client's content type."""

from __future__ import annotations

from dataclasses import dataclass

from apps.common.errors import UnsupportedMediaType

SNIFF_BYTES = 4096


@dataclass(frozen=True)
class AudioFormat:
    name: str  # wav, flac, aiff, mp3, ogg-vorbis, opus, m4a
    description: str
    demuxer: str  # ffmpeg's -f for it


WAV = AudioFormat("wav", "WAV", "wav")
FLAC = AudioFormat("flac", "FLAC", "flac")
AIFF = AudioFormat("aiff", "AIFF", "aiff")
MP3 = AudioFormat("mp3", "MP3", "mp3")
VORBIS = AudioFormat("ogg-vorbis", "Ogg Vorbis", "ogg")
OPUS = AudioFormat("opus", "Opus", "ogg")
M4A = AudioFormat("m4a", "MPEG-4 audio (M4A/AAC)", "mov")

ACCEPTED = "WAV, FLAC, AIFF, MP3, Ogg Vorbis, Opus or M4A/AAC"

# Things people upload by mistake, so that the refusal can say what the file really is.
_KNOWN_OTHERS = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x7fELF", "an executable program"),
    (b"MZ", "a Windows executable"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM file"),
    (b"fLaC", "FLAC"),
]


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, a valid version, layer III, a sane bitrate index."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate_index = head[2] >> 4
    return version != 0b01 and layer == 0b01 and bitrate_index not in (0, 0b1111)


def _skip_id3(head: bytes) -> bytes:
    """ID3v2 tags may precede MP3 frames (and, wrongly but commonly, FLAC)."""
    if head[:3] != b"ID3" or len(head) < 10:
        return head
    size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
    return head[10 + size :]


def _describe_other(head: bytes) -> str:
    for magic, what in _KNOWN_OTHERS:
        if head.startswith(magic):
            return what
    if head[4:8] == b"ftyp":
        return "an MPEG-4 file with no audio brand"
    stripped = head.lstrip()
    if stripped[:1] == b"<":
        return "an HTML/XML document"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "unrecognised binary data"
    return "plain text" if text.isprintable() or all(c.isprintable() or c in "\r\n\t" for c in text) else "binary data"


def sniff_audio_format(head: bytes) -> AudioFormat:
    """Name the audio format of a file from its first bytes, or raise 415 naming what was found."""
    if not head:
        raise UnsupportedMediaType("The file is empty.", status=400)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return AIFF
    body = _skip_id3(head)
    if body[:4] == b"fLaC":
        return FLAC
    if head[:4] == b"OggS":
        if b"OpusHead" in head[:64]:
            return OPUS
        if b"\x01vorbis" in head[:64]:
            return VORBIS
        raise UnsupportedMediaType(
            f"Unsupported file: found an Ogg stream that is not Vorbis or Opus. Accepted: {ACCEPTED}."
        )
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"mp42", b"isom", b"mp41", b"iso2", b"iso5", b"dash"):
            return M4A
    if head[:3] == b"ID3" or _mpeg_audio_frame(head):
        # An ID3 tag of its own proves little; ffmpeg's decode at ingest confirms the frames.
        return MP3
    raise UnsupportedMediaType(f"Unsupported file: found {_describe_other(head)}. Accepted: {ACCEPTED}.")
