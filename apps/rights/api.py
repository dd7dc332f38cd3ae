"""The staff rights API (`/v1/rights/...`), a Streamify extension: licences, takedowns, the audit
trail, and what the availability read model says about a track. Staff only."""

from __future__ import annotations

from django.db.models import Q
from django_countries import countries
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.availability import Listener, restrictions_for
from apps.catalog.models import Album, Track
from apps.common.api.pagination import paginate
from apps.common.errors import ApplicationError, NotFound
from apps.common.ids import is_public_id
from apps.common.uris import parse_uri
from apps.rights import services
from apps.rights.models import AuditEntry, Licence, LicenceKind, Takedown
from apps.rights.representations import (
    audit_object,
    availability_rule_object,
    licence_object,
    takedown_object,
)


class IsStaff(BasePermission):
    message = "Staff only."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


class StaffView(APIView):
    permission_classes = [IsStaff]


def _public_id(value: str, kind: str) -> str:
    value = (value or "").strip()
    if ":" in value:
        return parse_uri(value, expected=(kind,)).id
    if not is_public_id(value):
        raise ApplicationError(f"Invalid {kind} id {value!r}.")
    return value


def _track(value: str) -> Track:
    track = Track.objects.filter(public_id=_public_id(value, "track")).first()
    if track is None:
        raise NotFound("Non existing id: track not found.")
    return track


def _album(value: str) -> Album:
    album = Album.objects.filter(public_id=_public_id(value, "album")).first()
    if album is None:
        raise NotFound("Non existing id: album not found.")
    return album


class TerritoriesField(serializers.ListField):
    """A list of codes, or one comma-separated string; `services.clean_territories` checks them."""

    child = serializers.CharField(max_length=16)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.split(",")
        return super().to_internal_value(data)


class LicenceInput(serializers.Serializer):
    track = serializers.CharField(required=False)
    album = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=LicenceKind.values, default=LicenceKind.GRANT)
    territories = TerritoriesField(max_length=300)
    premium_only = serializers.BooleanField(default=False)
    valid_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class LicenceChange(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LicenceKind.values, required=False)
    territories = TerritoriesField(max_length=300, required=False)
    premium_only = serializers.BooleanField(required=False)
    valid_from = serializers.DateTimeField(required=False, allow_null=True)
    valid_until = serializers.DateTimeField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200)


class TakedownInput(serializers.Serializer):
    track = serializers.CharField()
    territories = TerritoriesField(max_length=300, default=["*"])
    reason = serializers.CharField(max_length=5000)


class LiftInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


def _valid(serializer_class, request, **kwargs) -> dict:
    data = serializer_class(data=request.data, **kwargs)
    data.is_valid(raise_exception=True)
    return data.validated_data


_LICENCE_ROWS = Licence.objects.select_related("track", "album", "created_by")
_TAKEDOWN_ROWS = Takedown.objects.select_related("track", "created_by", "lifted_by")


def _licence(licence_id: str) -> Licence:
    licence = _LICENCE_ROWS.filter(public_id=licence_id).first() if is_public_id(licence_id) else None
    if licence is None:
        raise NotFound("Non existing id: licence not found.")
    return licence


def _takedown(takedown_id: str) -> Takedown:
    takedown = _TAKEDOWN_ROWS.filter(public_id=takedown_id).first() if is_public_id(takedown_id) else None
    if takedown is None:
        raise NotFound("Non existing id: takedown not found.")
    return takedown


TRACK_FILTER = OpenApiParameter("track", str, description="A track id or URI: its own and its album's rows.")


class LicencesView(StaffView):
    @extend_schema(operation_id="rights-list-licences", parameters=[TRACK_FILTER], responses={200: dict})
    def get(self, request):
        rows = _LICENCE_ROWS.order_by("-created_at", "-pk")
        if request.query_params.get("track"):
            track = _track(request.query_params["track"])
            rows = rows.filter(Q(track=track) | Q(album_id=track.album_id, track__isnull=True))
        if request.query_params.get("album"):
            rows = rows.filter(album=_album(request.query_params["album"]))
        return Response(paginate(request, rows, lambda page: [licence_object(request, x) for x in page]))

    @extend_schema(operation_id="rights-create-licence", request=LicenceInput, responses={201: dict})
    def post(self, request):
        values = _valid(LicenceInput, request)
        if bool(values.get("track")) == bool(values.get("album")):
            raise ApplicationError("Give either track or album: a licence is for one of them.")
        licence = services.licence_create(
            actor=request.user,
            track=_track(values["track"]) if values.get("track") else None,
            album=_album(values["album"]) if values.get("album") else None,
            kind=values["kind"],
            territories=values["territories"],
            premium_only=values["premium_only"],
            valid_from=values["valid_from"],
            valid_until=values["valid_until"],
            reference=values["reference"],
        )
        return Response(licence_object(request, _licence(licence.public_id)), status=201)


class LicenceView(StaffView):
    @extend_schema(operation_id="rights-get-licence", responses={200: dict})
    def get(self, request, licence_id: str):
        return Response(licence_object(request, _licence(licence_id)))

    @extend_schema(operation_id="rights-change-licence", request=LicenceChange, responses={200: dict})
    def patch(self, request, licence_id: str):
        licence = _licence(licence_id)
        changes = _valid(LicenceChange, request)
        if not changes:
            raise ApplicationError("Nothing to change: send at least one field.")
        services.licence_update(actor=request.user, licence=licence, **changes)
        return Response(licence_object(request, _licence(licence_id)))

    @extend_schema(operation_id="rights-delete-licence", responses={204: None})
    def delete(self, request, licence_id: str):
        services.licence_delete(actor=request.user, licence=_licence(licence_id))
        return Response(status=204)


class TakedownsView(StaffView):
    @extend_schema(
        operation_id="rights-list-takedowns",
        parameters=[TRACK_FILTER, OpenApiParameter("active", bool)],
        responses={200: dict},
    )
    def get(self, request):
        rows = _TAKEDOWN_ROWS.order_by("-created_at", "-pk")
        if request.query_params.get("track"):
            rows = rows.filter(track=_track(request.query_params["track"]))
        active = request.query_params.get("active")
        if active is not None:
            if active not in ("true", "false"):
                raise ApplicationError("active must be true or false.")
            rows = rows.filter(lifted_at__isnull=active == "true")
        return Response(paginate(request, rows, lambda page: [takedown_object(request, x) for x in page]))

    @extend_schema(operation_id="rights-create-takedown", request=TakedownInput, responses={201: dict})
    def post(self, request):
        values = _valid(TakedownInput, request)
        takedown = services.takedown_create(
            actor=request.user,
            track=_track(values["track"]),
            territories=values["territories"],
            reason=values["reason"],
        )
        return Response(takedown_object(request, _takedown(takedown.public_id)), status=201)


class TakedownView(StaffView):
    @extend_schema(operation_id="rights-get-takedown", responses={200: dict})
    def get(self, request, takedown_id: str):
        return Response(takedown_object(request, _takedown(takedown_id)))


class TakedownLiftView(StaffView):
    @extend_schema(operation_id="rights-lift-takedown", request=LiftInput, responses={200: dict})
    def post(self, request, takedown_id: str):
        takedown = _takedown(takedown_id)
        values = _valid(LiftInput, request)
        services.takedown_lift(actor=request.user, takedown=takedown, reason=values["reason"])
        return Response(takedown_object(request, _takedown(takedown_id)))


class TrackAvailabilityView(StaffView):
    @extend_schema(
        operation_id="rights-track-availability",
        parameters=[OpenApiParameter("market", str), OpenApiParameter("product", str)],
        responses={200: dict},
    )
    def get(self, request, track_id: str):
        """The rows the read model holds for a track and, for a market, the decision a listener
        there would get (`product` free or premium, default free)."""
        track = _track(track_id)
        body = {
            "track": {"id": track.public_id},
            "rules": [availability_rule_object(r) for r in track.availability.all()],
        }
        market = (request.query_params.get("market") or "").upper()
        if market:
            if market not in countries:
                raise ApplicationError(f"Invalid market {market!r}.")
            product = request.query_params.get("product", "free")
            if product not in ("free", "premium"):
                raise ApplicationError("product must be free or premium.")
            restriction = restrictions_for([track], Listener(market, premium=product == "premium"))[track.pk]
            body["decision"] = {
                "market": market,
                "product": product,
                "is_playable": restriction is None,
                "reason": str(restriction) if restriction else None,
            }
        return Response(body)


class AuditView(StaffView):
    @extend_schema(operation_id="rights-audit", parameters=[TRACK_FILTER], responses={200: dict})
    def get(self, request):
        rows = AuditEntry.objects.select_related("actor", "track", "album").order_by("-at", "-pk")
        if request.query_params.get("track"):
            rows = rows.filter(track=_track(request.query_params["track"]))
        return Response(paginate(request, rows, lambda page: [audit_object(x) for x in page]))
