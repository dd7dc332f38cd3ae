from __future__ import annotations

from apps.common.api.routes import api_path
from apps.playlists.api import library, views

urlpatterns = [
    *api_path("me/tracks", library.SavedTracksView.as_view(), "saved-tracks"),
    *api_path("me/tracks/contains", library.SavedTracksContainView.as_view(), "saved-tracks-contains"),
    *api_path("me/albums", library.SavedAlbumsView.as_view(), "saved-albums"),
    *api_path("me/albums/contains", library.SavedAlbumsContainView.as_view(), "saved-albums-contains"),
    *api_path("me/following", library.FollowingView.as_view(), "following"),
    *api_path("me/following/contains", library.FollowingContainsView.as_view(), "following-contains"),
    *api_path("me/library", library.LibraryView.as_view(), "library"),
    *api_path("me/library/contains", library.LibraryContainsView.as_view(), "library-contains"),
    *api_path("me/playlists", views.MyPlaylistsView.as_view(), "my-playlists"),
    *api_path("users/<str:user_id>/playlists", views.UserPlaylistsView.as_view(), "user-playlists"),
    *api_path("playlists/<str:playlist_id>", views.PlaylistView.as_view(), "playlist"),
    # spotipy 2.26 says /items, 2.25 /tracks: the same view under both.
    *api_path("playlists/<str:playlist_id>/items", views.PlaylistItemsView.as_view(), "playlist-items"),
    *api_path("playlists/<str:playlist_id>/tracks", views.PlaylistTracksView.as_view(), "playlist-tracks"),
    *api_path("playlists/<str:playlist_id>/followers", views.FollowersView.as_view(), "playlist-followers"),
    *api_path(
        "playlists/<str:playlist_id>/followers/contains",
        views.FollowersContainView.as_view(),
        "playlist-followers-contains",
    ),
    *api_path("playlists/<str:playlist_id>/images", views.ImagesView.as_view(), "playlist-images"),
    *api_path("playlists/<str:playlist_id>/invite", views.InviteView.as_view(), "playlist-invite"),
    *api_path("playlists/<str:playlist_id>/collaborators", views.CollaboratorsView.as_view(), "playlist-collaborators"),
    *api_path("playlists/<str:playlist_id>/history", views.HistoryView.as_view(), "playlist-history"),
    *api_path("playlists/<str:playlist_id>/restore", views.RestoreView.as_view(), "playlist-restore"),
]
