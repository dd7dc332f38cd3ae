"""Staff view of play events: read-only, because the table is append-only (royalties and charts
are derived from it, so an edited row would be a forged play)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.common.admin import ReadOnlyModelAdmin
from apps.playback.models import PlayEvent


@admin.register(PlayEvent)
class PlayEventAdmin(ReadOnlyModelAdmin):
    list_display = ("played_at", "user", "type", "track", "ms_played", "is_stream", "offline", "country", "product")
    list_filter = ("type", "is_stream", "offline", "product", "country")
    list_select_related = ("user", "track")
    search_fields = ("event_id", "user__email", "track__public_id")
    ordering = ("-played_at", "-id")
    # The table grows with every play: no COUNT(*) over all of it on each changelist page.
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Deleting stays with Django's permissions: the admin refuses to delete a user when it may
        # not delete their related rows, and erasing an account must take its plays with it.
        return admin.ModelAdmin.has_delete_permission(self, request, obj)
