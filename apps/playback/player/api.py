"""The Spotify player API (`/v1/me/player...`), with spotipy's request shapes; 204 on success."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.country import request_country
from apps.catalog.availability import Listener
from apps.common.api.bodies import json_object
from apps.common.errors import ApplicationError
from apps.playback.models import Device, PlayerState
from apps.playback.player import services
from apps.playback.player.representations import devices_object, queue_object, state_object

DEVICE_ID = OpenApiParameter("device_id", str, description="The device to act on; the active one if absent.")


def _listener(request) -> Listener:
    return Listener(country=request_country(request), premium=request.user.is_premium)


def _device_id(request) -> str | None:
    return request.query_params.get("device_id") or None


def _state(request):
    return PlayerState.objects.select_related("active_device").filter(user=request.user).first()


def _no_content() -> Response:
    return Response(status=204)


class PlayerView(APIView):
    @extend_schema(operation_id="get-playback-state", responses={200: OpenApiTypes.OBJECT, 204: None})
    def get(self, request):
        state = _state(request)
        body = state_object(request, state, listener=_listener(request), now=timezone.now()) if state else None
        return Response(body) if body else _no_content()

    @extend_schema(operation_id="transfer-playback", request=OpenApiTypes.OBJECT, responses={204: None})
    def put(self, request):
        body = json_object(request)
        play = body.get("play")
        if play is not None and not isinstance(play, bool):
            raise ApplicationError("play must be true or false.")
        services.transfer(user=request.user, device_ids=body.get("device_ids"), play=play)
        return _no_content()


class CurrentlyPlayingView(APIView):
    @extend_schema(
        operation_id="get-the-users-currently-playing-track", responses={200: OpenApiTypes.OBJECT, 204: None}
    )
    def get(self, request):
        return PlayerView().get(request)


class DevicesView(APIView):
    @extend_schema(operation_id="get-a-users-available-devices", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        devices = list(Device.objects.filter(user=request.user))
        return Response({"devices": devices_object(_state(request), devices)})

    @extend_schema(
        operation_id="register-device",
        request=OpenApiTypes.OBJECT,
        responses={204: None},
        description="Streamify extension: a device announces itself "
        "({id, name, type, volume_percent, supports_volume}).",
    )
    def post(self, request):
        body = json_object(request)
        services.device_hello(
            user=request.user,
            device_id=body.get("id"),
            name=body.get("name", ""),
            type=body.get("type", "Computer"),
            volume_percent=body.get("volume_percent", 100),
            supports_volume=body.get("supports_volume", True),
        )
        return _no_content()


class PlayView(APIView):
    @extend_schema(
        operation_id="start-a-users-playback",
        parameters=[DEVICE_ID],
        request=OpenApiTypes.OBJECT,
        responses={204: None},
    )
    def put(self, request):
        body = json_object(request)
        services.play(
            user=request.user,
            listener=_listener(request),
            device_id=_device_id(request),
            context_uri=body.get("context_uri"),
            uris=body.get("uris"),
            offset=body.get("offset"),
            position_ms=body.get("position_ms"),
        )
        return _no_content()


class PauseView(APIView):
    @extend_schema(operation_id="pause-a-users-playback", request=None, parameters=[DEVICE_ID], responses={204: None})
    def put(self, request):
        services.pause(user=request.user, device_id=_device_id(request))
        return _no_content()


class NextView(APIView):
    @extend_schema(
        operation_id="skip-users-playback-to-next-track", request=None, parameters=[DEVICE_ID], responses={204: None}
    )
    def post(self, request):
        services.skip_to_next(user=request.user, listener=_listener(request), device_id=_device_id(request))
        return _no_content()


class PreviousView(APIView):
    @extend_schema(
        operation_id="skip-users-playback-to-previous-track",
        request=None,
        parameters=[DEVICE_ID],
        responses={204: None},
    )
    def post(self, request):
        services.skip_to_previous(user=request.user, listener=_listener(request), device_id=_device_id(request))
        return _no_content()


def _required(request, name: str) -> str:
    value = request.query_params.get(name)
    if value in (None, ""):
        raise ApplicationError(f"Missing required parameter {name}.")
    return value


class SeekView(APIView):
    @extend_schema(
        operation_id="seek-to-position-in-currently-playing-track",
        request=None,
        parameters=[DEVICE_ID, OpenApiParameter("position_ms", int)],
        responses={204: None},
    )
    def put(self, request):
        services.seek(user=request.user, position_ms=_required(request, "position_ms"), device_id=_device_id(request))
        return _no_content()


class RepeatView(APIView):
    @extend_schema(
        operation_id="set-repeat-mode-on-users-playback",
        request=None,
        parameters=[DEVICE_ID, OpenApiParameter("state", str)],
        responses={204: None},
    )
    def put(self, request):
        services.set_repeat(user=request.user, mode=_required(request, "state"), device_id=_device_id(request))
        return _no_content()


class ShuffleView(APIView):
    @extend_schema(
        operation_id="toggle-shuffle-for-users-playback",
        request=None,
        parameters=[DEVICE_ID, OpenApiParameter("state", bool)],
        responses={204: None},
    )
    def put(self, request):
        raw = _required(request, "state")
        if raw not in ("true", "false"):
            raise ApplicationError("state must be true or false.")
        services.set_shuffle(user=request.user, on=raw == "true", device_id=_device_id(request))
        return _no_content()


class VolumeView(APIView):
    @extend_schema(
        operation_id="set-volume-for-users-playback",
        request=None,
        parameters=[DEVICE_ID, OpenApiParameter("volume_percent", int)],
        responses={204: None},
    )
    def put(self, request):
        services.set_volume(
            user=request.user, volume_percent=_required(request, "volume_percent"), device_id=_device_id(request)
        )
        return _no_content()


class QueueView(APIView):
    @extend_schema(operation_id="get-queue", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(queue_object(request, _state(request), listener=_listener(request)))

    @extend_schema(
        operation_id="add-to-queue",
        request=None,
        parameters=[DEVICE_ID, OpenApiParameter("uri", str)],
        responses={204: None},
    )
    def post(self, request):
        services.add_to_queue(
            user=request.user, listener=_listener(request), uri=_required(request, "uri"), device_id=_device_id(request)
        )
        return _no_content()
