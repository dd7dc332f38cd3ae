"""Streamify settings.

One module, driven by the environment. Without any variables set it runs in the *embedded* mode
(SQLite in WAL mode, local-memory cache, in-memory channel layer, a filesystem Celery broker and
filesystem media), so a fresh machine needs nothing but Python. Setting `DATABASE_URL`,
`REDIS_URL` and `MEDIA_STORAGE=s3` switches a backend to the *services* mode; the behaviour a user
sees never changes with the mode. Every variable is listed in the README.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from streamify.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("STREAMIFY_VAR_DIR", str(BASE_DIR / "var")))

# Development is the default so that `make run` and `make test` work on a fresh clone; a
# deployment sets DEBUG=0 and must then provide its own SECRET_KEY.
DEBUG = env_bool("DEBUG", True)
_DEV_SECRET_KEY = "dev-only-insecure-key-never-used-with-debug-off"  # noqa: S105 (refused when DEBUG is off)
SECRET_KEY = env_str("SECRET_KEY") or (_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_countries",
    "apps.common",
    "apps.accounts",
    "apps.catalog",
    "apps.rights",
    "apps.playlists",
    "apps.playback",
    "apps.recommendations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.common.static.AsyncWhiteNoiseMiddleware",  # WhiteNoise, without the sync-iterator fallback
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "streamify.urls"
WSGI_APPLICATION = "streamify.wsgi.application"
ASGI_APPLICATION = "streamify.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI every request runs its sync code in a thread of its own, so a persistent
    # connection (CONN_MAX_AGE > 0) is never reused and piles up per thread, while connecting anew
    # costs ~5 ms a request. A pool hands connections from thread to thread instead (measured in
    # tests/benchmarks/bench_stream_urls.py: the /v1/me floor went from 13.7 to 7.0 ms).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
    DB_POOL_MAX = env_int("DB_POOL_MAX", 10)  # per process; 0 turns the pool off
    if DB_POOL_MAX and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool, not Django, keeps connections open
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": DB_POOL_MAX}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env_str("SQLITE_PATH", str(VAR_DIR / "streamify.sqlite3"))),
            "OPTIONS": {
                # WAL lets the web process read while the worker writes; IMMEDIATE takes the write
                # lock when a transaction begins, so two writers queue (busy timeout) instead of
                # failing with "database is locked" when one upgrades a read lock. This is what
                # makes select_for_update's ordering guarantee hold in the embedded mode too.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not :memory:, so that a real worker process can share the test database.
            "TEST": {"NAME": VAR_DIR / "test-streamify.sqlite3"},
        }
    }
# The web process checkpoints the write-ahead log from a thread this often, not in its commits
# (apps/common/sqlite_wal.py); 0 leaves it to SQLite's automatic checkpoint.
SQLITE_CHECKPOINT_SECONDS = env_int("SQLITE_CHECKPOINT_SECONDS", 1)
# A server process (streamify/server.py) runs Python's full garbage collection on this timer, with
# small young collections between (apps/common/collector.py); 0 keeps Python's defaults.
SERVER_GC_FULL_COLLECTION_SECONDS = env_int("SERVER_GC_FULL_COLLECTION_SECONDS", 300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, channel layer, Celery -----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    # socket_timeout None: channels_redis blocks on BZPOPMIN for up to 5 s, and redis-py 6+ gives
    # pool connections a 5 s socket timeout, so an idle socket's receive loop dies with a
    # TimeoutError and its device stops hearing states (django/channels_redis#422). The pool must
    # not cap connections either: each consumer holds one for its blocking receive.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 2**31}]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "apps.common.layers.InMemoryChannelLayer"}}  # one process

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_FOLDER = Path(env_str("CELERY_BROKER_FOLDER", str(VAR_DIR / "celery-broker")))
if CELERY_BROKER_URL == "filesystem://":
    # A broker that needs no server: messages are files in one folder shared by the web process
    # and the worker. Good for one machine, which is all the embedded mode promises.
    CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),  # else kombu writes ./control/
        "store_processed": False,
        "polling_interval": 0.25,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-ingest leaves the message for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # ingest tasks are long; do not hoard them
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
# Periodic work, run by `celery beat` (its own service in docker/compose.yaml; inside the worker
# with -B in `make run`).
CELERY_BEAT_SCHEDULE = {
    "refresh-popularity": {"task": "playback.refresh_popularity", "schedule": 3600.0},  # streams of 28 days
    # The personalization loop: plays into affinities within seconds, charts hourly, the model
    # every six hours (a session's plays count at once anyway, by fold-in), the mixes daily.
    "absorb-signals": {"task": "recommendations.absorb_signals", "schedule": 15.0},
    "refresh-charts": {"task": "recommendations.refresh_charts", "schedule": 3600.0},
    "train-recommendations": {"task": "recommendations.train", "schedule": 6 * 3600.0},
    "refresh-made-for-you": {"task": "recommendations.refresh_made_for_you", "schedule": 24 * 3600.0},
}

# --- Storage --------------------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # collectstatic writes here
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", "streamify"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            # SigV4: AWS refuses SigV2 on buckets made since 2020 and in newer regions.
            "signature_version": env_str("AWS_S3_SIGNATURE_VERSION", "s3v4"),
            "file_overwrite": True,
        },
    }
elif MEDIA_STORAGE == "filesystem":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE={MEDIA_STORAGE!r}: use 'filesystem' or 's3'.")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request without it; finders serve in DEBUG

# --- Uploads and ingest ---------------------------------------------------------------------
# Uploads stream to a temporary file on disk from the first byte, never whole into memory.
# Django's ASGI handler spools each request body with this as its in-memory limit (0 would mean
# "never roll over to disk"), so a small positive value keeps large bodies on disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
FILE_UPLOAD_HANDLERS = ["apps.catalog.uploads.SizeLimitedUploadHandler"]
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 500 * 1024 * 1024)
ARTWORK_MAX_BYTES = env_int("ARTWORK_MAX_BYTES", 20 * 1024 * 1024)
INGEST_MIN_DURATION_MS = 1_000
INGEST_MAX_DURATION_MS = env_int("INGEST_MAX_DURATION_MS", 30 * 60 * 1000)
INGEST_FFMPEG_TIMEOUT_SECONDS = env_int("INGEST_FFMPEG_TIMEOUT_SECONDS", 900)
HLS_SEGMENT_SECONDS = env_int("HLS_SEGMENT_SECONDS", 6)
# The ladder every track is encoded into (kbps, AAC-LC in fMP4). Free listeners are offered up
# to 160, premium up to 320 (enforced by the delivery loop).
AUDIO_LADDER_KBPS = (96, 160, 320)
FFMPEG_BINARY = env_str("FFMPEG_BINARY")  # empty: system ffmpeg on PATH, else imageio-ffmpeg's

# --- Delivery (signed stream URLs, the fronting cache) --------------------------------------
# The key nginx's secure_link_md5 and Django's fallback both check stream URLs with. The rendered
# nginx config carries it, so it is its own secret: rotating SECRET_KEY must not break nginx.
STREAM_SIGNING_SECRET = (
    env_str("STREAM_SIGNING_SECRET") or hashlib.sha256(f"stream-signing:{SECRET_KEY}".encode()).hexdigest()
)
STREAM_URL_LIFETIME_SECONDS = env_int("STREAM_URL_LIFETIME_SECONDS", 600)
# Where stream URLs point: empty means this site (Django's fallback, or nginx when it fronts the
# whole site); a CDN or a media host of its own otherwise, e.g. https://media.example.com.
STREAM_BASE_URL = env_str("STREAM_BASE_URL").rstrip("/")
STREAM_CORS_ALLOW_ORIGIN = env_str("STREAM_CORS_ALLOW_ORIGIN", "*")
# The highest rung of AUDIO_LADDER_KBPS each product may fetch.
TIER_MAX_KBPS = {"free": env_int("FREE_MAX_KBPS", 160), "premium": env_int("PREMIUM_MAX_KBPS", 320)}
# A re-ingest replaces a ladder; the old one stays this long so URLs already signed keep working.
LADDER_RETIRE_AFTER_SECONDS = STREAM_URL_LIFETIME_SECONDS + 300

# --- Rights: where a listener is ------------------------------------------------------------
# A country header is believed only from these addresses (a fronting proxy that sets it from
# GeoIP and strips any value a client sent); from anyone else the profile's country counts.
COUNTRY_HEADER = env_str("COUNTRY_HEADER")  # e.g. X-Country; empty: profile country only
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])  # addresses or networks, e.g. 10.0.0.0/8

# --- Play events ----------------------------------------------------------------------------
PLAY_EVENTS_MAX_BATCH = 100
PLAY_EVENT_MAX_AGE_DAYS = 30  # offline plays older than this are refused
PLAY_EVENT_FUTURE_SKEW_SECONDS = 300  # client clocks run fast; beyond this a timestamp is refused
PLAY_EVENT_DURATION_SLACK_MS = 10_000  # ms_played may exceed the duration by this much
STREAM_MIN_MS = 30_000  # a play this long counts as one stream (royalties, charts)

# --- Player (multi-device playback) --------------------------------------------------------
PLAYER_DEVICE_TIMEOUT_SECONDS = env_int("PLAYER_DEVICE_TIMEOUT_SECONDS", 90)  # silent longer: dropped
# Heartbeats a process hears within this many ms are stored in one statement (0: each at once).
PLAYER_HEARTBEAT_WRITE_MS = env_int("PLAYER_HEARTBEAT_WRITE_MS", 1000)
PLAYER_FREE_SKIPS_PER_HOUR = env_int("PLAYER_FREE_SKIPS_PER_HOUR", 6)
PLAYER_PREVIOUS_RESTARTS_AFTER_MS = 3_000  # "previous" past this restarts the track, as players do
RECOMMENDATIONS_SETTLE_SECONDS = 5.0  # apps.recommendations.signals: how old an event is before it is read
PLAYER_CONTEXT_MAX_TRACKS = 10_000  # a context (album, playlist, URIs) is at most this long
PRIVATE_SESSION_HOURS = env_int("PRIVATE_SESSION_HOURS", 6)  # a private session ends by itself after this
PLAYLIST_MAX_ENTRIES = 10_000  # items in one playlist, and in one add or replace request
# How long a rendered catalog object (the player's current item) may be reused under one catalog
# version: the bound on staleness where no version bump reaches (apps.catalog.freshness).
CATALOG_RENDER_CACHE_SECONDS = env_int("CATALOG_RENDER_CACHE_SECONDS", 60)
# How old the recommender's in-memory table of track facts (popularity, first artist, genres) may
# grow before a background rebuild (apps.catalog.track_facts); rights and readiness are always fresh.
TRACK_FACTS_REFRESH_SECONDS = env_int("TRACK_FACTS_REFRESH_SECONDS", 120)

# --- Search (apps.catalog.search) ------------------------------------------------------------
# The database's own full-text search (PostgreSQL, or SQLite's FTS5) unless Elasticsearch is
# configured; then documents are also indexed there (through Celery) and queries go to it.
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
ELASTICSEARCH_INDEX = env_str("ELASTICSEARCH_INDEX", "streamify-search")
SEARCH_BACKEND = "elasticsearch" if ELASTICSEARCH_URL else ""
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 30)  # hot queries; versions invalidate sooner
if ELASTICSEARCH_URL:  # without it nothing of Elasticsearch is loaded
    # django-elasticsearch-dsl holds the index definition and the connection. Its own syncing (a
    # receiver on every model save, inside the transaction) stays off: the catalog.search_sync task
    # sends the search read model's rows after commit (apps.catalog.search.tasks).
    INSTALLED_APPS.append("django_elasticsearch_dsl")
    ELASTICSEARCH_DSL = {"default": {"hosts": ELASTICSEARCH_URL}}
    ELASTICSEARCH_DSL_AUTOSYNC = False
    ELASTICSEARCH_DSL_SIGNAL_PROCESSOR = "django_elasticsearch_dsl.signals.BaseSignalProcessor"  # connects nothing
    ELASTICSEARCH_DSL_AUTO_REFRESH = False  # the index's refresh interval (1 s), not one per write

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
SIGNUP_NEXT_URL = "social:welcome"  # a new listener picks a few artists first (cold start), then home
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
DEFAULT_COUNTRY = env_str("DEFAULT_COUNTRY", "US")

# --- API ------------------------------------------------------------------------------------
# Spotify clients validate URIs against `spotify:`, so that is the default scheme we emit.
URI_SCHEME = env_str("URI_SCHEME", "spotify")
URI_SCHEMES_ACCEPTED = ("spotify", "streamify")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Bearer first: its WWW-Authenticate header is the one a 401 carries.
        "apps.common.api.auth.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "apps.common.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Password guessing and sign-up floods, per client address (counted in the cache: Redis in
    # the services mode, so every web process shares the count).
    "DEFAULT_THROTTLE_RATES": {"auth": env_str("AUTH_THROTTLE_RATE", "20/minute")},
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 30)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "sub",
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY") or SECRET_KEY,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Streamify Web API",
    "DESCRIPTION": "Spotify Web API compatible paths and shapes, plus Streamify extensions (studio).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/v1",
    "PREPROCESSING_HOOKS": ["apps.common.api.schema.drop_trailing_slash_twins"],
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    # The fronting proxy terminates TLS and says so; absolute URLs (paging `next`, hrefs) are https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
