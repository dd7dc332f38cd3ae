"""Reading ffmpeg's output, across the versions a host may have on PATH."""

from apps.catalog.media.ffmpeg import parse_loudness

# What Debian 12's ffmpeg 5.1 prints for one ebur128 filter: a summary of silence for the instance
# it builds while configuring the graph, then the real one at the end.
FFMPEG5_STDERR = """\
[Parsed_ebur128_0 @ 0x1] Summary:

  Integrated loudness:
    I:         -70.0 LUFS
    Threshold:   0.0 LUFS

  True peak:
    Peak:       -inf dBFS
size=N/A time=00:00:05.00 bitrate=N/A speed= 800x
[Parsed_ebur128_0 @ 0x2] Summary:

  Integrated loudness:
    I:         -21.8 LUFS
    Threshold: -31.8 LUFS

  True peak:
    Peak:      -21.1 dBFS
"""


def test_the_last_summary_is_the_measurement():
    assert parse_loudness(FFMPEG5_STDERR) == (-21.8, -21.1)


def test_silence_reads_as_no_loudness():
    first_summary = FFMPEG5_STDERR.split("size=")[0]
    assert parse_loudness(first_summary) == (-70.0, None)
