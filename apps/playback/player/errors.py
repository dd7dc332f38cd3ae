"""The Spotify player API's refusals, with the reasons its clients switch on."""

from __future__ import annotations

from apps.common.errors import ApplicationError


class PlayerError(ApplicationError):
    status = 403


def no_active_device() -> PlayerError:
    return PlayerError("Player command failed: No active device found.", status=404, reason="NO_ACTIVE_DEVICE")


def device_not_found() -> PlayerError:
    return PlayerError("Device not found.", status=404, reason="DEVICE_NOT_FOUND")


def restricted(reason: str, message: str) -> PlayerError:
    return PlayerError(f"Player command failed: {message}", reason=reason)
