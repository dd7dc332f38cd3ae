"""`/v1/me/playlists`, `/v1/users/{id}/playlists`, `/v1/playlists/{id}` and its items (under both
`/tracks` and `/items`), followers; and the extensions Spotify lacks: delete, invite links,
collaborators, version history and restore."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api import user_simplified
from apps.accounts.models import User
from apps.catalog.api.market import market_listener
from apps.catalog.api.representations import image_objects
from apps.common.api.bodies import json_object
from apps.common.api.ids import ids_param
from apps.common.api.pagination import paginate, paging_params
from apps.common.errors import ApplicationError, NotFound, PayloadTooLarge, PermissionDenied
from apps.common.ids import is_public_id
from apps.playlists import access, covers, selectors, services
from apps.playlists.api import parsing
from apps.playlists.api.representations import items_paging, playlist_full, playlist_simplified
from apps.playlists.models import PlaylistChange, PlaylistCollaborator
from apps.playlists.snapshots import snapshot_id

ITEMS_MAX_LIMIT = 100


def _simplified_page(request, queryset) -> dict:
    def render(playlists):
        covers = selectors.cover_images(playlists)
        return [playlist_simplified(request, p, covers[p.pk]) for p in playlists]

    return paginate(request, queryset, render)


def _items_page(request, playlist, *, path: str) -> dict:
    limit, offset = paging_params(request, default_limit=ITEMS_MAX_LIMIT, max_limit=ITEMS_MAX_LIMIT)
    entries = selectors.entries_page(playlist, offset=offset, limit=limit)
    market = market_listener(request, "market")
    return items_paging(request, playlist, entries, market=market, offset=offset, limit=limit, path=path)


def _create(request, owner) -> Response:
    body = json_object(request)
    playlist = services.playlist_create(
        owner=owner,
        name=body.get("name"),
        description=body.get("description"),
        public=body.get("public"),
        collaborative=body.get("collaborative"),
    )
    playlist = selectors.playlist_for(request.user, playlist.public_id)
    page = _items_page(request, playlist, path=f"playlists/{playlist.public_id}/tracks")
    return Response(playlist_full(request, playlist, [], items_page=page), status=201)


def _user(user_id: str) -> User:
    user = User.objects.filter(public_id=user_id).first() if is_public_id(user_id) else None
    if user is None:
        raise NotFound("User not found.")
    return user


class MyPlaylistsView(APIView):
    @extend_schema(operation_id="get-a-list-of-current-users-playlists", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(_simplified_page(request, selectors.library_playlists(request.user)))

    @extend_schema(
        operation_id="create-playlist-for-me", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request):
        return _create(request, request.user)


class UserPlaylistsView(APIView):
    @extend_schema(operation_id="get-list-users-playlists", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, user_id: str):
        owner = _user(user_id)
        if owner.pk == request.user.pk:
            return MyPlaylistsView().get(request)
        return Response(_simplified_page(request, selectors.public_playlists_of(owner)))

    @extend_schema(operation_id="create-playlist", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT})
    def post(self, request, user_id: str):
        owner = _user(user_id)
        if owner.pk != request.user.pk:
            raise PermissionDenied("You can only create playlists for yourself.")
        return _create(request, owner)


class PlaylistView(APIView):
    @extend_schema(operation_id="get-playlist", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        page = _items_page(request, playlist, path=f"playlists/{playlist.public_id}/tracks")
        covers = selectors.cover_images([playlist])
        return Response(playlist_full(request, playlist, covers[playlist.pk], items_page=page))

    @extend_schema(operation_id="change-playlist-details", request=OpenApiTypes.OBJECT, responses={200: None})
    def put(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        services.playlist_update_details(actor=request.user, playlist=playlist, fields=json_object(request))
        return Response(status=200)

    @extend_schema(operation_id="delete-playlist", responses={204: None})
    def delete(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        services.playlist_delete(actor=request.user, playlist=playlist)
        return Response(status=204)


class PlaylistItemsView(APIView):
    """Served at both `/items` (spotipy 2.26) and `/tracks` (2.25)."""

    @extend_schema(operation_id="get-playlists-items", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        return Response(_items_page(request, playlist, path=""))

    @extend_schema(
        operation_id="add-items-to-playlist", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        access.require_item_editor(request.user, playlist)  # before the body is read: no answer depends on it
        ids, position = parsing.items_to_add(request)
        snapshot = services.items_add(actor=request.user, playlist=playlist, track_ids=ids, position=position)
        return Response({"snapshot_id": snapshot}, status=201)

    @extend_schema(
        operation_id="reorder-or-replace-playlists-items",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
    )
    def put(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        access.require_item_editor(request.user, playlist)
        replacing = parsing.uris_to_replace(request)
        if replacing is not None:
            snapshot = services.items_replace(actor=request.user, playlist=playlist, track_ids=replacing)
            return Response({"snapshot_id": snapshot})
        body = json_object(request)
        if "range_start" not in body or "insert_before" not in body:
            raise ApplicationError("Send uris to replace the items, or range_start and insert_before to reorder.")
        snapshot = body.get("snapshot_id")
        if snapshot is not None and not isinstance(snapshot, str):
            raise ApplicationError("snapshot_id must be a string.")
        snapshot = services.items_reorder(
            actor=request.user,
            playlist=playlist,
            range_start=body["range_start"],
            insert_before=body["insert_before"],
            range_length=body.get("range_length", 1),
            snapshot=snapshot,
        )
        return Response({"snapshot_id": snapshot})

    @extend_schema(
        operation_id="remove-items-playlist", request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT}
    )
    def delete(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        access.require_item_editor(request.user, playlist)
        items, snapshot = parsing.items_to_remove(request)
        return Response(
            {
                "snapshot_id": services.items_remove(
                    actor=request.user, playlist=playlist, items=items, snapshot=snapshot
                )
            }
        )


class Base64ImageParser(BaseParser):
    """Spotify's cover upload: the body is the base64 text of a JPEG, sent as image/jpeg."""

    media_type = "image/jpeg"

    # Base64 of the largest allowed JPEG, with room for padding and a trailing newline.
    max_body = covers.MAX_UPLOAD_BYTES * 4 // 3 + 16

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        body = stream.read(self.max_body + 1) if stream else b""
        if len(body) > self.max_body:  # refused whole, never decoded from a truncated read
            raise PayloadTooLarge("The cover image may be at most 256 KB.")
        return body


class ImagesView(APIView):
    parser_classes = [Base64ImageParser]

    @extend_schema(operation_id="get-playlist-cover", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        return Response(image_objects(request, selectors.cover_images([playlist])[playlist.pk]))

    @extend_schema(operation_id="upload-custom-playlist-cover", request=OpenApiTypes.BINARY, responses={202: None})
    def put(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        body = request.data
        if not isinstance(body, bytes) or not body:
            raise ApplicationError("Send the base64-encoded JPEG as the body, with Content-Type: image/jpeg.")
        covers.cover_upload(actor=request.user, playlist=playlist, base64_jpeg=body)
        return Response(status=202)

    @extend_schema(operation_id="remove-custom-playlist-cover", responses={204: None})
    def delete(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        covers.cover_remove(actor=request.user, playlist=playlist)
        return Response(status=204)


@extend_schema_view(
    get=extend_schema(operation_id="get-playlists-tracks", deprecated=True),
    post=extend_schema(operation_id="add-tracks-to-playlist", deprecated=True),
    put=extend_schema(operation_id="reorder-or-replace-playlists-tracks", deprecated=True),
    delete=extend_schema(operation_id="remove-tracks-playlist", deprecated=True),
)
class PlaylistTracksView(PlaylistItemsView):
    """The same operations at `/tracks`, the path spotipy 2.25 and older clients use."""


class FollowersView(APIView):
    @extend_schema(operation_id="follow-playlist", request=OpenApiTypes.OBJECT, responses={200: None})
    def put(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        public = json_object(request).get("public", True)
        if not isinstance(public, bool):
            raise ApplicationError("public must be true or false.")
        services.playlist_follow(user=request.user, playlist=playlist, public=public)
        return Response(status=200)

    @extend_schema(operation_id="unfollow-playlist", request=None, responses={200: None})
    def delete(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        services.playlist_unfollow(user=request.user, playlist=playlist)
        return Response(status=200)


class FollowersContainView(APIView):
    @extend_schema(operation_id="check-if-user-follows-playlist", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        ids = ids_param(request, maximum=5) if request.query_params.get("ids") else [request.user.public_id]
        return Response(selectors.followers_contain(playlist, ids, asker=request.user))


class InviteView(APIView):
    """Extension: the owner makes (or renews) the invite link; anyone with it can join."""

    @extend_schema(operation_id="create-playlist-invite", request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        token = services.invite_link_rotate(actor=request.user, playlist=playlist)
        url = request.build_absolute_uri(f"/playlist/{playlist.public_id}/join?token={token}")
        return Response({"token": token, "url": url})


class CollaboratorsView(APIView):
    """Extension: who may edit; joining with an invite token; leaving or removing someone."""

    @extend_schema(operation_id="get-playlist-collaborators", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        rows = PlaylistCollaborator.objects.filter(playlist=playlist).select_related("user").order_by("added_at")
        return Response({"collaborators": [user_simplified(request, row.user) for row in rows]})

    @extend_schema(operation_id="add-playlist-collaborators", request=None, responses={200: None})
    def put(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        users = [_user(user_id) for user_id in ids_param(request, maximum=50)]
        services.collaborators_add(actor=request.user, playlist=playlist, users=users)
        return Response(status=200)

    @extend_schema(operation_id="join-playlist", request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, playlist_id: str):
        playlist = selectors.playlist_by_id(playlist_id)
        services.invite_accept(user=request.user, playlist=playlist, token=json_object(request).get("token"))
        return Response({"snapshot_id": snapshot_id(playlist.public_id, playlist.version)})

    @extend_schema(operation_id="remove-playlist-collaborator", responses={200: None})
    def delete(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        user = _user(request.query_params.get("user_id") or request.user.public_id)
        services.collaborator_remove(actor=request.user, playlist=playlist, user=user)
        return Response(status=200)


def _change_object(request, change: PlaylistChange, playlist) -> dict:
    return {
        "version": change.version,
        "snapshot_id": snapshot_id(playlist.public_id, change.version),
        "operation": change.operation,
        "actor": user_simplified(request, change.actor) if change.actor else None,
        "at": change.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "items_changed": _items_changed(change),
    }


def _items_changed(change: PlaylistChange) -> int:
    entries = change.entries
    if isinstance(entries, dict):
        return len(entries.get("added", [])) + len(entries.get("removed", []))
    return len(entries) if change.operation != "details" else 0


class HistoryView(APIView):
    """Extension: the change log, newest first: who did what, and the snapshot each change made.
    For the people who edit the playlist: to its other readers it would list who edited when."""

    @extend_schema(operation_id="get-playlist-history", responses={200: OpenApiTypes.OBJECT})
    def get(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        access.require_item_editor(request.user, playlist)
        changes = PlaylistChange.objects.filter(playlist=playlist).select_related("actor").order_by("-version")
        return Response(paginate(request, changes, lambda rows: [_change_object(request, c, playlist) for c in rows]))


class RestoreView(APIView):
    """Extension: the owner brings the items back as they were at a version (a new version)."""

    @extend_schema(
        operation_id="restore-playlist-version", request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT}
    )
    def post(self, request, playlist_id: str):
        playlist = selectors.playlist_for(request.user, playlist_id)
        version = json_object(request).get("version")
        snapshot = services.playlist_restore(actor=request.user, playlist=playlist, version=version)
        return Response({"snapshot_id": snapshot}, status=201)
