"""Who may do what to a playlist, operation by operation: the authorisation matrix.

Actors: the owner; a collaborator of the private collaborative playlist; a follower of the public
one; an outsider (signed in, no relation); anonymous. Playlists: "public" (public, not
collaborative), "collab" (private, collaborative: a collaborative playlist cannot be public) and
"private" (private, not collaborative). Every refused request, and every read, leaves the database
exactly as it was; every allowed write is checked for its effect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from apps.common.ids import new_public_id
from apps.playlists import access, services
from apps.playlists.models import Playlist, PlaylistChange, PlaylistCollaborator, PlaylistEntry, PlaylistFollow
from tests.conftest import api_client_for
from tests.factories import AlbumFactory, TrackFactory, UserFactory

pytestmark = pytest.mark.django_db


def uri(track) -> str:
    return f"spotify:track:{track.public_id}"


# --- The world every case starts from --------------------------------------------------------------


@pytest.fixture
def world():
    users = {
        name: UserFactory(display_name=name.title())
        for name in ("owner", "collaborator", "collaborator2", "follower", "outsider", "newcomer")
    }
    album = AlbumFactory(title="Matrix")
    tracks = [TrackFactory(album=album, title=f"Song {n}") for n in range(5)]
    first_three = [t.public_id for t in tracks[:3]]
    owner = users["owner"]

    public = services.playlist_create(owner=owner, name="Public mix", public=True)
    collab = services.playlist_create(owner=owner, name="Shared mix", public=False, collaborative=True)
    private = services.playlist_create(owner=owner, name="Secret mix", public=False)
    for playlist in (public, collab, private):
        services.items_add(actor=owner, playlist=playlist, track_ids=first_three)  # version 2
    services.collaborators_add(actor=owner, playlist=collab, users=[users["collaborator"], users["collaborator2"]])
    services.invite_link_rotate(actor=owner, playlist=collab)  # so a wrong token has a right one to miss

    followed = api_client_for(users["follower"]).put(f"/v1/playlists/{public.public_id}/followers")
    assert followed.status_code == 200, followed.content

    playlists = {"public": public, "collab": collab, "private": private}
    for playlist in playlists.values():
        playlist.refresh_from_db()
    assert (collab.public, collab.collaborative, public.collaborative, private.collaborative) == (
        False,
        True,
        False,
        False,
    )
    return SimpleNamespace(users=users, tracks=tracks, playlists=playlists)


def playlist_state(pk: int) -> dict:
    p = Playlist.objects.get(pk=pk)
    return {
        "row": (
            p.version,
            p.length,
            p.name,
            p.description,
            p.public,
            p.collaborative,
            p.invite_token,
            p.deleted_at,
        ),
        "entries": list(
            PlaylistEntry.objects.filter(playlist_id=pk)
            .order_by("key")
            .values_list("pk", "key", "track_id", "added_by_id", "added_at")
        ),
        "changes": list(
            PlaylistChange.objects.filter(playlist_id=pk).order_by("version").values_list("version", "operation")
        ),
        "collaborators": sorted(PlaylistCollaborator.objects.filter(playlist_id=pk).values_list("user_id", flat=True)),
        "followers": sorted(PlaylistFollow.objects.filter(playlist_id=pk).values_list("user_id", "public")),
    }


def db_state() -> dict:
    """Everything a playlist request could write, for every playlist, plus the table totals."""
    return {
        "playlists": {pk: playlist_state(pk) for pk in Playlist.objects.order_by("pk").values_list("pk", flat=True)},
        "totals": (
            Playlist.objects.count(),
            PlaylistEntry.objects.count(),
            PlaylistChange.objects.count(),
            PlaylistCollaborator.objects.count(),
            PlaylistFollow.objects.count(),
        ),
    }


def track_order(state: dict) -> list[int]:
    return [track_id for _, _, track_id, _, _ in state["entries"]]


# --- The operations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What one check sees: the response, the target playlist's state before and after, the world."""

    response: object
    before: dict
    after: dict
    world: SimpleNamespace
    actor: object

    def track_pks(self, *indexes: int) -> list[int]:
        return [self.world.tracks[i].pk for i in indexes]


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # after /v1/playlists/{id}
    ok_status: int
    check: Callable[[Case], None]  # the effect of the operation when it is allowed
    body: Callable[[SimpleNamespace], object] | None = None
    query: Callable[[SimpleNamespace], str] | None = None

    def request(self, client: APIClient, playlist_id: str, world: SimpleNamespace):
        url = f"/v1/playlists/{playlist_id}{self.path}"
        if self.query:
            url += "?" + self.query(world)
        if self.body is None:
            return getattr(client, self.method)(url)
        return getattr(client, self.method)(url, self.body(world), format="json")


def unchanged(case: Case) -> None:
    assert case.after == case.before


def _bumped(case: Case, operation: str) -> None:
    assert case.after["row"][0] == case.before["row"][0] + 1
    assert case.after["changes"] == [*case.before["changes"], (case.after["row"][0], operation)]


def check_get(case: Case) -> None:
    unchanged(case)
    body = case.response.json()
    assert body["type"] == "playlist" and body["tracks"]["total"] == 3 and len(body["tracks"]["items"]) == 3


def check_items(case: Case) -> None:
    unchanged(case)
    body = case.response.json()
    assert body["total"] == 3 and len(body["items"]) == 3


def check_details(case: Case) -> None:
    assert case.after["row"][2] == "Renamed" and case.before["row"][2] != "Renamed"
    assert case.after["entries"] == case.before["entries"]
    _bumped(case, "details")


def check_deleted(case: Case) -> None:
    assert case.before["row"][7] is None and case.after["row"][7] is not None
    assert case.after["entries"] == case.before["entries"]


def check_added(case: Case) -> None:
    assert track_order(case.after) == [*track_order(case.before), case.world.tracks[3].pk]
    assert case.after["row"][1] == case.before["row"][1] + 1 == len(case.after["entries"])
    assert case.after["entries"][-1][3] == case.actor.pk  # added_by
    _bumped(case, "add")
    assert case.response.json()["snapshot_id"]


def check_reordered(case: Case) -> None:
    assert track_order(case.before) == case.track_pks(0, 1, 2)
    assert track_order(case.after) == case.track_pks(1, 0, 2)
    _bumped(case, "move")


def check_replaced(case: Case) -> None:
    assert track_order(case.after) == case.track_pks(4) and case.after["row"][1] == 1
    _bumped(case, "replace")


def check_removed(case: Case) -> None:
    assert track_order(case.after) == case.track_pks(1, 2) and case.after["row"][1] == 2
    _bumped(case, "remove")


def check_followed(case: Case) -> None:
    assert (case.actor.pk, False) in case.after["followers"]
    assert case.after["entries"] == case.before["entries"] and case.after["row"] == case.before["row"]


def check_unfollowed(case: Case) -> None:
    if case.actor.pk == case.world.users["owner"].pk:  # the owner's unfollow deletes, as on Spotify
        check_deleted(case)
        return
    assert case.actor.pk not in [user for user, _ in case.after["followers"]]
    assert case.after["entries"] == case.before["entries"] and case.after["row"] == case.before["row"]


def check_contains(case: Case) -> None:
    unchanged(case)
    following = case.actor.pk in [user for user, _ in case.before["followers"]]
    assert case.response.json() == [following]


def check_invite(case: Case) -> None:
    token = case.response.json()["token"]
    assert token and token == case.after["row"][6] != case.before["row"][6]
    assert case.after["row"][4:6] == (False, True)  # private and collaborative
    assert case.after["entries"] == case.before["entries"]


def check_history(case: Case) -> None:
    unchanged(case)
    versions = [change["version"] for change in case.response.json()["items"]]
    assert versions == sorted((v for v, _ in case.before["changes"]), reverse=True)


def check_collaborators_listed(case: Case) -> None:
    unchanged(case)
    listed = {user["id"] for user in case.response.json()["collaborators"]}
    expected = {u.public_id for u in case.world.users.values() if u.pk in case.before["collaborators"]}
    assert listed == expected


def check_collaborator_added(case: Case) -> None:
    newcomer = case.world.users["newcomer"].pk
    assert newcomer not in case.before["collaborators"] and newcomer in case.after["collaborators"]
    assert case.after["entries"] == case.before["entries"]


def check_left(case: Case) -> None:
    assert case.actor.pk not in case.after["collaborators"]
    expected = [pk for pk in case.before["collaborators"] if pk != case.actor.pk]
    assert case.after["collaborators"] == expected
    assert case.after["row"] == case.before["row"] and case.after["entries"] == case.before["entries"]


def check_other_removed(case: Case) -> None:
    victim = case.world.users["collaborator2"].pk
    assert victim not in case.after["collaborators"]
    assert case.after["collaborators"] == [pk for pk in case.before["collaborators"] if pk != victim]
    assert case.after["row"] == case.before["row"]


def check_restored(case: Case) -> None:
    assert track_order(case.before) == case.track_pks(0, 1, 2)
    assert case.after["entries"] == [] and case.after["row"][1] == 0  # version 1 was the empty playlist
    _bumped(case, "restore")


def _add_body(world):
    return [uri(world.tracks[3])]


def _add_body_object(world):
    return {"uris": [uri(world.tracks[3])]}


OPS = {
    "get": Op("get", "", 200, check_get),
    "details": Op("put", "", 200, check_details, body=lambda w: {"name": "Renamed"}),
    "delete": Op("delete", "", 204, check_deleted),
    "items-get": Op("get", "/items", 200, check_items),
    "tracks-get": Op("get", "/tracks", 200, check_items),
    "items-add": Op("post", "/items", 201, check_added, body=_add_body),
    "tracks-add": Op("post", "/tracks", 201, check_added, body=_add_body_object),
    "items-reorder": Op("put", "/items", 200, check_reordered, body=lambda w: {"range_start": 0, "insert_before": 2}),
    "tracks-reorder": Op(
        "put", "/tracks", 200, check_reordered, body=lambda w: {"range_start": 0, "range_length": 1, "insert_before": 2}
    ),
    "items-replace": Op("put", "/items", 200, check_replaced, body=lambda w: {"uris": [uri(w.tracks[4])]}),
    "tracks-replace": Op("put", "/tracks", 200, check_replaced, body=lambda w: {"uris": [uri(w.tracks[4])]}),
    "items-remove": Op("delete", "/items", 200, check_removed, body=lambda w: {"items": [{"uri": uri(w.tracks[0])}]}),
    "tracks-remove": Op(
        "delete", "/tracks", 200, check_removed, body=lambda w: {"tracks": [{"uri": uri(w.tracks[0])}]}
    ),
    "follow": Op("put", "/followers", 200, check_followed, body=lambda w: {"public": False}),
    "unfollow": Op("delete", "/followers", 200, check_unfollowed),
    "followers-contains": Op("get", "/followers/contains", 200, check_contains),
    "invite": Op("post", "/invite", 200, check_invite),
    "collaborators-get": Op("get", "/collaborators", 200, check_collaborators_listed),
    "collaborators-add": Op(
        "put", "/collaborators", 200, check_collaborator_added, query=lambda w: f"ids={w.users['newcomer'].public_id}"
    ),
    "collaborators-leave": Op("delete", "/collaborators", 200, check_left),
    "collaborators-remove-other": Op(
        "delete",
        "/collaborators",
        200,
        check_other_removed,
        query=lambda w: f"user_id={w.users['collaborator2'].public_id}",
    ),
    # Joining with a token that is not the playlist's: refused for everyone (the owner included).
    "collaborators-join-wrong-token": Op("post", "/collaborators", 200, unchanged, body=lambda w: {"token": "nope"}),
    "history": Op("get", "/history", 200, check_history),
    "restore": Op("post", "/restore", 201, check_restored, body=lambda w: {"version": 1}),
}

READS = {"get", "items-get", "tracks-get", "followers-contains", "collaborators-get"}
EDITOR_READS = {"history"}  # who edited when: for the people who edit, not every reader
FOLLOWING = {"follow", "unfollow"}
ITEM_WRITES = {f"{path}-{verb}" for path in ("items", "tracks") for verb in ("add", "reorder", "replace", "remove")}
OWNER_ONLY = {"details", "delete", "restore", "invite", "collaborators-add", "collaborators-remove-other"}
assert READS | EDITOR_READS | FOLLOWING | ITEM_WRITES | OWNER_ONLY | {
    "collaborators-leave",
    "collaborators-join-wrong-token",
} == set(OPS)

OK = "ok"


def expected(kind: str, actor: str, op: str):
    """The product's rules: OK, 403 or 404."""
    if op == "collaborators-join-wrong-token":
        return 404
    if actor == "owner":
        return OK
    if kind != "public" and actor not in ("collaborator",):
        return 404  # a private playlist does not exist for anyone but its owner and collaborators
    if kind == "public":  # follower or outsider: read and follow, never edit
        return OK if op in READS | FOLLOWING | {"collaborators-leave"} else 403
    # a collaborator of the collaborative playlist
    return 403 if op in OWNER_ONLY else OK


MATRIX = [
    (kind, actor, op)
    for kind, actors in (
        ("public", ("owner", "follower", "outsider")),
        ("collab", ("owner", "collaborator", "outsider")),
        ("private", ("owner", "outsider")),
    )
    for actor in actors
    for op in OPS
]


def assert_error(response, status: int) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["status"] == status and isinstance(body["error"]["message"], str), body
    assert body["error"]["message"], body
    return body["error"]["message"]


@pytest.mark.parametrize(("kind", "actor", "op"), MATRIX, ids=["-".join(case) for case in MATRIX])
def test_authorisation_matrix(world, kind, actor, op):
    playlist = world.playlists[kind]
    user = world.users[actor]
    client = api_client_for(user)
    operation = OPS[op]
    before = db_state()

    response = operation.request(client, playlist.public_id, world)

    after = db_state()
    outcome = expected(kind, actor, op)
    if outcome == OK:
        assert response.status_code == operation.ok_status, (response.status_code, response.content)
        operation.check(Case(response, before["playlists"][playlist.pk], after["playlists"][playlist.pk], world, user))
        others = {pk: state for pk, state in after["playlists"].items() if pk != playlist.pk}
        assert others == {pk: state for pk, state in before["playlists"].items() if pk != playlist.pk}
        return

    assert response.status_code == outcome, (response.status_code, response.content)
    message = assert_error(response, outcome)
    assert after == before, "a refused request wrote something"
    if outcome == 404:
        # No existence leak: the same answer as for a playlist that was never there.
        missing = operation.request(client, new_public_id(), world)
        assert missing.status_code == 404 and missing.json() == response.json()
        assert message == access.NOT_FOUND
        assert db_state() == before


@pytest.mark.parametrize("kind", ["public", "collab", "private", "missing"])
@pytest.mark.parametrize("op", list(OPS))
def test_anonymous_gets_401_on_everything(world, kind, op):
    playlist_id = world.playlists[kind].public_id if kind != "missing" else new_public_id()
    before = db_state()

    response = OPS[op].request(APIClient(), playlist_id, world)

    assert response.status_code == 401, (response.status_code, response.content)
    assert_error(response, 401)
    assert set(response.json()["error"]) == {"status", "message"}
    assert db_state() == before


def test_the_right_token_still_fails_anonymously(world):
    collab = world.playlists["collab"]
    before = db_state()
    response = APIClient().post(
        f"/v1/playlists/{collab.public_id}/collaborators", {"token": collab.invite_token}, format="json"
    )
    assert response.status_code == 401 and assert_error(response, 401)
    assert db_state() == before


# --- Joining through an invite link ----------------------------------------------------------------


def _join(client, playlist_id: str, token):
    return client.post(f"/v1/playlists/{playlist_id}/collaborators", {"token": token}, format="json")


@pytest.mark.parametrize("kind", ["collab", "private", "public"])
def test_joining_with_an_invite_link(world, kind):
    playlist = world.playlists[kind]
    pid = playlist.public_id
    owner = api_client_for(world.users["owner"])
    outsider, newcomer = world.users["outsider"], world.users["newcomer"]
    as_outsider, as_newcomer = api_client_for(outsider), api_client_for(newcomer)

    first = owner.post(f"/v1/playlists/{pid}/invite")
    assert first.status_code == 200, first.content
    token = first.json()["token"]
    assert first.json()["url"].endswith(f"/playlist/{pid}/join?token={token}")
    playlist.refresh_from_db()
    assert (playlist.public, playlist.collaborative) == (False, True)  # a link makes it collaborative

    # A wrong token: 404 like any playlist one may not see, and nothing written.
    before = db_state()
    for wrong in ("nope", token[:-1], "", None, 42):
        response = _join(as_outsider, pid, wrong)
        assert response.status_code == 404, (wrong, response.content)
        assert response.json() == _join(as_outsider, new_public_id(), token).json()
        assert assert_error(response, 404) == access.NOT_FOUND
    assert db_state() == before
    assert not PlaylistCollaborator.objects.filter(playlist=playlist, user=outsider).exists()
    assert as_outsider.get(f"/v1/playlists/{pid}").status_code == 404

    # The right one: a collaborator, who can read and add items.
    joined = _join(as_outsider, pid, token)
    assert joined.status_code == 200, joined.content
    assert PlaylistCollaborator.objects.filter(playlist=playlist, user=outsider).exists()
    assert as_outsider.get(f"/v1/playlists/{pid}").status_code == 200
    listed = owner.get(f"/v1/playlists/{pid}/collaborators").json()["collaborators"]
    assert outsider.public_id in {user["id"] for user in listed}
    added = as_outsider.post(f"/v1/playlists/{pid}/items", [uri(world.tracks[3])], format="json")
    assert added.status_code == 201, added.content
    last = PlaylistEntry.objects.filter(playlist=playlist).order_by("key").last()
    assert (last.track_id, last.added_by_id) == (world.tracks[3].pk, outsider.pk)
    # ... but is still no owner.
    refused = as_outsider.post(f"/v1/playlists/{pid}/invite")
    assert refused.status_code == 403 and assert_error(refused, 403)

    # The owner with the right token: nothing to join, nothing written.
    before = db_state()
    assert _join(owner, pid, token).status_code == 200
    assert db_state() == before

    # A new link: the old token stops working.
    second = owner.post(f"/v1/playlists/{pid}/invite").json()["token"]
    assert second != token
    before = db_state()
    stale = _join(as_newcomer, pid, token)
    assert stale.status_code == 404 and assert_error(stale, 404) == access.NOT_FOUND
    assert db_state() == before
    assert not PlaylistCollaborator.objects.filter(playlist=playlist, user=newcomer).exists()
    assert _join(as_newcomer, pid, second).status_code == 200
    assert PlaylistCollaborator.objects.filter(playlist=playlist, user=newcomer).exists()
    added = as_newcomer.post(f"/v1/playlists/{pid}/tracks", {"uris": [uri(world.tracks[4])]}, format="json")
    assert added.status_code == 201, added.content


# --- Where a private playlist that is not collaborative differs --------------------------------------


@pytest.mark.parametrize("op", sorted(ITEM_WRITES) + ["get", "items-get"])
def test_a_collaborator_of_a_playlist_no_longer_collaborative_no_longer_sees_it(world, op):
    """Collaborators see and edit a private playlist only while it is collaborative: when the
    owner turns collaboration off it is private again, a 404 to them like to anyone."""
    playlist = world.playlists["private"]
    collaborator = world.users["collaborator"]
    services.collaborators_add(actor=world.users["owner"], playlist=playlist, users=[collaborator])
    playlist.refresh_from_db()
    services.playlist_update_details(actor=world.users["owner"], playlist=playlist, fields={"collaborative": False})
    playlist.refresh_from_db()
    assert (playlist.public, playlist.collaborative) == (False, False)
    before = db_state()

    response = OPS[op].request(api_client_for(collaborator), playlist.public_id, world)

    assert response.status_code == 404, response.content
    assert_error(response, 404)
    assert db_state() == before
