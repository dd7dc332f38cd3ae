"""Playlists: ordered entries under fractional keys, a change log that gives history and attribution,
collaborators and followers."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from apps.common.fields import PublicIdField

NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 300


class OrderKeyField(models.CharField):
    """A playlist entry's ordering key (apps.playlists.ordering), compared byte for byte: "C"
    collation on PostgreSQL, whose default collation would order "B" after "a"; SQLite compares
    text with memcmp already."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters


class CoverSource(models.TextChoices):
    NONE = "", "none"
    ALBUM = "album", "the first album's cover"  # fewer than four albums: their files, not ours
    MOSAIC = "mosaic", "a mosaic of the first four albums"
    UPLOADED = "uploaded", "uploaded by the owner"


class LivePlaylists(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Playlist(models.Model):
    public_id = PublicIdField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists")
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    description = models.CharField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    public = models.BooleanField(default=True)
    collaborative = models.BooleanField(default=False)
    # A playlist the platform made for one listener (Discover Weekly, a Daily Mix, a radio): owned
    # by the platform's own account, which alone edits it, and readable by that listener as if it
    # were theirs while it stays private. The generator's name says which product it is.
    made_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    generator = models.CharField(max_length=120, blank=True, default="")
    # Bumped by every edit; the snapshot id is derived from it (apps.playlists.snapshots).
    version = models.PositiveIntegerField(default=0)
    # Entries are counted here, under the row lock every edit takes: a page's `total` and the
    # 10,000-entry limit then cost no COUNT over the entries.
    length = models.PositiveIntegerField(default=0)
    # Cover art, as albums store it ([{key, width, height}], largest first): uploaded by the owner,
    # or made from the first albums in the playlist (apps.playlists.covers).
    images = models.JSONField(default=list, blank=True)
    cover_source = models.CharField(max_length=10, choices=CoverSource.choices, blank=True, default="")
    cover_albums = models.JSONField(default=list, blank=True)  # the album pks the current cover shows
    # The secret in the invite link; a new one revokes the old link.
    invite_token = models.CharField(max_length=43, default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Deleting hides a playlist everywhere but keeps its rows: staff can bring back years of
    # curation deleted by mistake (the admin's "restore" action).
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = models.Manager()
    live = LivePlaylists()

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"], name="playlist_owner_recent")]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def new_invite_token() -> str:
        return secrets.token_urlsafe(32)


class PlaylistEntry(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="entries")
    track = models.ForeignKey("catalog.Track", on_delete=models.PROTECT, related_name="+")
    key = OrderKeyField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["playlist", "key"], name="playlist_entry_key_unique")]
        verbose_name_plural = "playlist entries"

    def __str__(self) -> str:
        return f"{self.playlist_id}@{self.key}"


class ChangeOperation(models.TextChoices):
    CREATE = "create"
    DETAILS = "details"
    ADD = "add"
    REMOVE = "remove"
    MOVE = "move"
    REPLACE = "replace"
    RESTORE = "restore"


class PlaylistChange(models.Model):
    """One edit: who, when, which version it made, and what it did to the entries, enough to
    replay the playlist to any version (apps.playlists.history).

    `entries` holds, per operation: add -> [[entry id, key, track id], ...]; remove -> [entry id,
    ...]; move -> [[entry id, new key], ...]; replace and restore -> the removed ids under
    "removed" and the added entries under "added"; details -> the fields that changed."""

    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    operation = models.CharField(max_length=10, choices=ChangeOperation.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField()
    entries = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["playlist", "version"], name="playlist_change_version_unique")]
        ordering = ["playlist", "version"]

    def __str__(self) -> str:
        return f"{self.playlist_id} v{self.version} {self.operation}"


class PlaylistCollaborator(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="collaborators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["playlist", "user"], name="playlist_collaborator_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.playlist_id}"


class PlaylistFollow(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    public = models.BooleanField(default=True)  # shown on the follower's profile
    followed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["playlist", "user"], name="playlist_follow_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.playlist_id}"


# --- The library ------------------------------------------------------------------------------


class SavedTrack(models.Model):
    """Liked songs."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    track = models.ForeignKey("catalog.Track", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "track"], name="saved_track_unique")]
        indexes = [models.Index(fields=["user", "-added_at", "-id"], name="saved_track_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} saved track {self.track_id}"


class SavedAlbum(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    album = models.ForeignKey("catalog.Album", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "album"], name="saved_album_unique")]
        indexes = [models.Index(fields=["user", "-added_at", "-id"], name="saved_album_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} saved album {self.album_id}"


class FollowedArtist(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    artist = models.ForeignKey("catalog.Artist", on_delete=models.CASCADE, related_name="+")
    followed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "artist"], name="followed_artist_unique")]
        indexes = [models.Index(fields=["user", "-followed_at", "-id"], name="followed_artist_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} follows artist {self.artist_id}"


class FollowedUser(models.Model):
    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    followee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    followed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="followed_user_unique"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followee")), name="followed_user_not_self"),
        ]
        indexes = [models.Index(fields=["follower", "-followed_at", "-id"], name="followed_user_recent")]

    def __str__(self) -> str:
        return f"{self.follower_id} follows user {self.followee_id}"
