from __future__ import annotations

from apps.common.api.routes import api_path
from apps.recommendations.api import feed, home, radio, recommendations
from apps.recommendations.api.top import TopItemsView

urlpatterns = [
    *api_path("me/feed", feed.FeedView.as_view(), "feed"),
    *api_path("me/top/<str:item_type>", TopItemsView.as_view(), "me-top"),
    *api_path("recommendations", recommendations.RecommendationsView.as_view(), "recommendations"),
    *api_path(
        "recommendations/available-genre-seeds", recommendations.GenreSeedsView.as_view(), "recommendation-genres"
    ),
    *api_path("views/home", home.HomeView.as_view(), "home-view"),
    *api_path("me/radio", radio.RadioView.as_view(), "radio"),
    *api_path(
        "playlists/<str:playlist_id>/recommendations",
        radio.PlaylistRecommendationsView.as_view(),
        "playlist-recommendations",
    ),
    *api_path("browse/categories/<str:category_id>/playlists", radio.ChartsView.as_view(), "category-playlists"),
]
