from __future__ import annotations

from apps.catalog.api import search, studio, views
from apps.catalog.api.browse import NewReleasesView
from apps.catalog.api.features import AudioFeaturesView, SeveralAudioFeaturesView
from apps.common.api.routes import api_path

urlpatterns = [
    *api_path("search", search.SearchView.as_view(), "search"),
    *api_path("search/suggest", search.SuggestView.as_view(), "search-suggest"),
    *api_path("browse/new-releases", NewReleasesView.as_view(), "browse-new-releases"),
    *api_path("tracks", views.SeveralTracksView.as_view(), "tracks"),
    *api_path("tracks/<str:track_id>", views.TrackView.as_view(), "track"),
    *api_path("audio-features", SeveralAudioFeaturesView.as_view(), "audio-features-several"),
    *api_path("audio-features/<str:track_id>", AudioFeaturesView.as_view(), "audio-features"),
    *api_path("albums", views.SeveralAlbumsView.as_view(), "albums"),
    *api_path("albums/<str:album_id>", views.AlbumView.as_view(), "album"),
    *api_path("albums/<str:album_id>/tracks", views.AlbumTracksView.as_view(), "album-tracks"),
    *api_path("artists", views.SeveralArtistsView.as_view(), "artists"),
    *api_path("artists/<str:artist_id>", views.ArtistView.as_view(), "artist"),
    *api_path("artists/<str:artist_id>/albums", views.ArtistAlbumsView.as_view(), "artist-albums"),
    *api_path("artists/<str:artist_id>/top-tracks", views.ArtistTopTracksView.as_view(), "artist-top-tracks"),
    *api_path("studio/uploads", studio.UploadsView.as_view(), "studio-uploads"),
    *api_path("studio/uploads/<str:upload_id>", studio.UploadView.as_view(), "studio-upload"),
    *api_path("studio/artists", studio.StudioArtistsView.as_view(), "studio-artists"),
    *api_path("studio/albums", studio.StudioAlbumsView.as_view(), "studio-albums"),
]
