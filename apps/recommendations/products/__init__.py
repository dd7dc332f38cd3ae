"""The products of the personalization loop: Discover Weekly, the Daily Mixes, radio, playlist
continuation, charts and the home view. Each is a real playlist (or list of tracks) that plays
through the player; all of them are built by apps.recommendations.engine."""
