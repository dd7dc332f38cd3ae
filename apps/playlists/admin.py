"""Staff view of playlists: read-only (entries change only through the services, which keep the
change log and the ordering keys consistent), with the change log inline and an action that brings
back playlists their owners deleted."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.common.admin import ReadOnlyModelAdmin
from apps.playlists.models import Playlist, PlaylistChange


class ChangeInline(admin.TabularInline):
    model = PlaylistChange
    fields = ("version", "operation", "actor", "at", "entries")
    readonly_fields = fields
    ordering = ("-version",)
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


@admin.register(Playlist)
class PlaylistAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "owner", "public", "collaborative", "length", "version", "updated_at", "deleted_at")
    list_filter = ("public", "collaborative", ("deleted_at", admin.EmptyFieldListFilter))
    list_select_related = ("owner",)
    search_fields = ("name", "public_id", "owner__email")
    ordering = ("-updated_at",)
    inlines = (ChangeInline,)
    actions = ("undelete",)

    @admin.action(description="Bring back the selected deleted playlists")
    def undelete(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.filter(deleted_at__isnull=False).update(deleted_at=None)
        messages.success(request, f"Brought back {count} playlist(s).")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # The action needs change permission on the list; each playlist's form stays read-only.
        return obj is None and admin.ModelAdmin.has_change_permission(self, request)
