#!/bin/sh
# Entrypoint of the Streamify image: one-off start-up steps, then the container's command.
#
#   STREAMIFY_MIGRATE=1     apply migrations first. Compose sets it on the web service only, so
#                           one process migrates instead of web, worker and beat racing to.
#   STATIC_PUBLISH_DIR=dir  copy the collected static files into dir (the volume nginx serves).
#                           Copied on every start rather than mounting the volume over
#                           STATIC_ROOT: a volume keeps its first contents across image
#                           upgrades, and Django would then read a stale manifest. Hashed names
#                           mean old files may stay for pages still open in a browser.
set -eu

if [ "${STREAMIFY_MIGRATE:-0}" = "1" ]; then
    python manage.py migrate --noinput
fi

if [ -n "${STATIC_PUBLISH_DIR:-}" ]; then
    cp -R staticfiles/. "$STATIC_PUBLISH_DIR"/  # STATIC_ROOT, beside manage.py in the workdir
fi

exec "$@"
