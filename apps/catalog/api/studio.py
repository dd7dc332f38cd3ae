"""The upload portal's API (a Streamify extension): `/v1/studio/*`, for artist accounts."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.api.representations import album_simplified, artist_simplified, image_objects
from apps.catalog.models import Album, AlbumArtist, Artist, Track, TrackArtist
from apps.catalog.selectors import ready_track_counts, require_public_id
from apps.catalog.services.catalog import artist_create
from apps.catalog.services.uploads import UploadMetadata, upload_create
from apps.catalog.uploads import raise_if_upload_stopped, reject_oversized_request
from apps.common.api.pagination import paginate
from apps.common.errors import NotFound, PermissionDenied
from apps.common.uris import build_uri


def upload_object(request, track: Track) -> dict:
    """An upload as its artist sees it: the track plus its ingest state, whatever that is."""
    return {
        "id": track.public_id,
        "uri": build_uri("track", track.public_id),
        "href": request.build_absolute_uri(f"/v1/studio/uploads/{track.public_id}"),
        "type": "upload",
        "name": track.title,
        "state": track.ingest_state,
        "progress": track.ingest_progress,
        "error": track.ingest_error or None,
        "format": track.master_format,
        "bytes": track.master_bytes,
        "filename": track.master_filename,
        "duration_ms": track.duration_ms,
        "isrc": track.isrc,
        "explicit": track.explicit,
        "disc_number": track.disc_number,
        "track_number": track.track_number,
        "loudness_lufs": track.loudness_lufs,
        "true_peak_dbtp": track.true_peak_dbtp,
        "bitrates": [r.bitrate_kbps for r in track.renditions.all()],
        "album": {
            "id": track.album.public_id,
            "name": track.album.title,
            "images": image_objects(request, track.album.images),
        },
        "artists": [artist_simplified(request, link.artist) for link in track.track_artists.all()],
        "created_at": track.created_at.isoformat(),
    }


def _uploads_of(user):
    return (
        Track.objects.uploaded_by(user)
        .select_related("album")
        .prefetch_related(
            "renditions", Prefetch("track_artists", queryset=TrackArtist.objects.select_related("artist"))
        )
        .order_by("-created_at", "-pk")
    )


def _csv(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class UploadsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    class UploadInputSerializer(serializers.Serializer):
        file = serializers.FileField(allow_empty_file=True)
        cover = serializers.FileField(required=False)
        artist_id = serializers.CharField(required=False, allow_blank=True)
        title = serializers.CharField(required=False, allow_blank=True, max_length=2000, trim_whitespace=False)
        isrc = serializers.CharField(required=False, allow_blank=True, max_length=20)
        explicit = serializers.BooleanField(required=False, default=False)
        track_number = serializers.IntegerField(required=False, min_value=1, max_value=999)
        disc_number = serializers.IntegerField(required=False, min_value=1, max_value=99)
        language = serializers.CharField(required=False, allow_blank=True, max_length=16)
        genres = serializers.CharField(required=False, allow_blank=True, max_length=500)
        featured_artist_ids = serializers.CharField(required=False, allow_blank=True, max_length=1000)
        album_id = serializers.CharField(required=False, allow_blank=True)
        album_title = serializers.CharField(required=False, allow_blank=True, max_length=2000)
        album_type = serializers.ChoiceField(choices=["album", "single", "compilation"], required=False)
        release_date = serializers.DateField(required=False)
        label = serializers.CharField(required=False, allow_blank=True, max_length=200)
        upc = serializers.CharField(required=False, allow_blank=True, max_length=13)

    @extend_schema(
        operation_id="studio-create-upload",
        request={"multipart/form-data": UploadInputSerializer},
        responses={202: dict},
    )
    def post(self, request):
        if not request.user.is_artist:
            raise PermissionDenied("Only artist accounts can upload music.")
        reject_oversized_request(request)
        data = self.UploadInputSerializer(data=request.data)
        raise_if_upload_stopped(request._request)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        track = upload_create(
            user=request.user,
            file=values["file"],
            artist_id=values.get("artist_id") or None,
            cover=values.get("cover"),
            metadata=UploadMetadata(
                title=values.get("title", ""),
                isrc=values.get("isrc", ""),
                explicit=values.get("explicit", False),
                track_number=values.get("track_number"),
                disc_number=values.get("disc_number"),
                language=values.get("language", ""),
                genres=_csv(values.get("genres", "")),
                featured_artist_ids=_csv(values.get("featured_artist_ids", "")),
                album_id=values.get("album_id", ""),
                album_title=values.get("album_title", ""),
                album_type=values.get("album_type", ""),
                release_date=values.get("release_date"),
                label=values.get("label", ""),
                upc=values.get("upc", ""),
            ),
        )
        return Response(upload_object(request, _uploads_of(request.user).get(pk=track.pk)), status=202)

    @extend_schema(operation_id="studio-list-uploads", responses={200: dict})
    def get(self, request):
        return Response(
            paginate(request, _uploads_of(request.user), lambda rows: [upload_object(request, t) for t in rows])
        )


class UploadView(APIView):
    @extend_schema(operation_id="studio-get-upload", responses={200: dict})
    def get(self, request, upload_id: str):
        track = _uploads_of(request.user).filter(public_id=require_public_id(upload_id)).first()
        if track is None:
            raise NotFound("Upload not found.")
        return Response(upload_object(request, track))


class StudioArtistsView(APIView):
    parser_classes = [JSONParser, FormParser]

    class ArtistInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=500)
        bio = serializers.CharField(required=False, allow_blank=True, max_length=5000)
        genres = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=10)

    @extend_schema(operation_id="studio-list-artists", responses={200: dict})
    def get(self, request):
        artists = Artist.objects.filter(managers=request.user).order_by("name", "pk")
        return Response(paginate(request, artists, lambda rows: [artist_simplified(request, a) for a in rows]))

    @extend_schema(operation_id="studio-create-artist", request=ArtistInputSerializer, responses={201: dict})
    def post(self, request):
        data = self.ArtistInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        artist = artist_create(
            name=data.validated_data["name"],
            bio=data.validated_data.get("bio", ""),
            genres=data.validated_data.get("genres"),
            manager=request.user,
        )
        return Response(artist_simplified(request, artist), status=201)


class StudioAlbumsView(APIView):
    @extend_schema(operation_id="studio-list-albums", responses={200: dict})
    def get(self, request):
        albums = (
            Album.objects.filter(album_artists__artist__managers=request.user)
            .distinct()
            .order_by("-release_date", "title", "pk")
            .prefetch_related(Prefetch("album_artists", queryset=AlbumArtist.objects.select_related("artist")))
        )

        def render(rows):
            counts = ready_track_counts([a.pk for a in rows])
            return [album_simplified(request, a, total_tracks=counts.get(a.pk, 0)) for a in rows]

        return Response(paginate(request, albums, render))
