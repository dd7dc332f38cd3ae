from __future__ import annotations

from apps.common.api.routes import api_path
from apps.rights import api

urlpatterns = [
    *api_path("rights/licences", api.LicencesView.as_view(), "rights-licences"),
    *api_path("rights/licences/<str:licence_id>", api.LicenceView.as_view(), "rights-licence"),
    *api_path("rights/takedowns", api.TakedownsView.as_view(), "rights-takedowns"),
    *api_path("rights/takedowns/<str:takedown_id>", api.TakedownView.as_view(), "rights-takedown"),
    *api_path("rights/takedowns/<str:takedown_id>/lift", api.TakedownLiftView.as_view(), "rights-takedown-lift"),
    *api_path("rights/tracks/<str:track_id>/availability", api.TrackAvailabilityView.as_view(), "rights-track"),
    *api_path("rights/audit", api.AuditView.as_view(), "rights-audit"),
]
