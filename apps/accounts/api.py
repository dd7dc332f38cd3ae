"""`/v1/auth/*` (JWT for integrators) and `GET /v1/me` in the Spotify user shape."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from apps.accounts.models import User
from apps.accounts.services import user_create, user_update_privacy
from apps.common.errors import ApplicationError, Conflict
from apps.common.site import absolute_url
from apps.common.uris import build_uri


def user_public_url(request, user: User) -> str:
    return absolute_url(request, f"/user/{user.public_id}")


def user_simplified(request, user: User) -> dict:
    """The public user object (playlist owners, added_by)."""
    return {
        "id": user.public_id,
        "uri": build_uri("user", user.public_id),
        "href": absolute_url(request, f"/v1/users/{user.public_id}"),
        "type": "user",
        "display_name": user.display_name,
        "external_urls": {"spotify": user_public_url(request, user)},
    }


def user_private(request, user: User) -> dict:
    """`GET /v1/me`: the current user's profile, including what only they may see."""
    return {
        **user_simplified(request, user),
        "images": [],
        "followers": {"href": None, "total": 0},
        "country": user.country.code,
        "product": user.product,
        "email": user.email,
        "explicit_content": {"filter_enabled": user.explicit_filter, "filter_locked": False},
    }


class AuthThrottled:
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"


class TokenObtainView(AuthThrottled, TokenObtainPairView):
    """`POST /v1/auth/token` with `{"email", "password"}` -> `{"access", "refresh"}`."""


class TokenRefresh(AuthThrottled, TokenRefreshView):
    """`POST /v1/auth/token/refresh` with `{"refresh"}` -> `{"access"}`."""


class RegisterView(AuthThrottled, APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    class RegisterInputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True)
        display_name = serializers.CharField(max_length=100)
        country = serializers.CharField(max_length=2, required=False)
        birthdate = serializers.DateField(required=False, allow_null=True)

    @extend_schema(operation_id="register", request=RegisterInputSerializer, responses={201: dict})
    def post(self, request):
        data = self.RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = user_create(
                email=data.validated_data["email"],
                password=data.validated_data["password"],
                display_name=data.validated_data["display_name"],
                country=data.validated_data.get("country") or settings.DEFAULT_COUNTRY,
                birthdate=data.validated_data.get("birthdate"),
            )
        except IntegrityError:
            # Two registrations for one address raced past the existence check.
            raise Conflict("An account with this email already exists.") from None
        refresh = RefreshToken.for_user(user)
        return Response(
            {"user": user_private(request, user), "access": str(refresh.access_token), "refresh": str(refresh)},
            status=201,
        )


class MeView(APIView):
    @extend_schema(operation_id="get-current-users-profile", responses={200: dict})
    def get(self, request):
        return Response(user_private(request, request.user))


def privacy_object(user: User) -> dict:
    private = user.in_private_session()
    return {
        "private_session": private,
        "private_session_until": user.private_session_until.strftime("%Y-%m-%dT%H:%M:%SZ") if private else None,
        "share_activity": user.share_activity,
    }


class PrivacyView(APIView):
    """Extension: the private-session switch and whether followers see your listening."""

    @extend_schema(operation_id="get-privacy-settings", responses={200: dict})
    def get(self, request):
        return Response(privacy_object(request.user))

    @extend_schema(operation_id="change-privacy-settings", request=dict, responses={200: dict})
    def put(self, request):
        body = request.data if isinstance(request.data, dict) else None
        if not body or not set(body) <= {"private_session", "share_activity"}:
            raise ApplicationError("Send private_session and/or share_activity (true or false).")
        user = user_update_privacy(
            user=request.user, private_session=body.get("private_session"), share_activity=body.get("share_activity")
        )
        return Response(privacy_object(user))
