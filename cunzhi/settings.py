"""Cunzhi settings: one file, driven by the environment (see docs/operations.md)."""

from pathlib import Path

import dj_database_url

from cunzhi.core.env import env_bool, env_int, env_int_map, env_list, env_map, env_str, env_time_ranges

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("CUNZHI_DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# The demo and tests may run without a secret; production must set one (checked in core.checks).
SECRET_KEY = env_str("SECRET_KEY", "") or "insecure-demo-key-set-SECRET_KEY-in-production-0123456789"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Key for encrypting ID numbers at rest. Separate from SECRET_KEY so rotating one does not
# make the other's data unreadable. Empty: derived from SECRET_KEY (demo only).
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", "")
# Key of the ledger's seals (the county's witness log of signed-off heads, each chain head): kept
# out of the database, so whoever can rewrite the database cannot re-seal a rewritten ledger.
# Separate from SECRET_KEY; never change it (the seals made with it would no longer verify).
LEDGER_WITNESS_KEY = (
    env_str("LEDGER_WITNESS_KEY", "") or "insecure-demo-witness-key-set-LEDGER_WITNESS_KEY-in-production"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "ninja",  # serves Swagger UI from our own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "cunzhi.core",
    "cunzhi.regions",
    "cunzhi.people",
    "cunzhi.notify",
    "cunzhi.voice",
    "cunzhi.concerns",
    "cunzhi.applications",
    "cunzhi.meetings",
    "cunzhi.disclosure",
    "cunzhi.ledger",
    "cunzhi.consultations",
    "cunzhi.points",
    "cunzhi.learning",
    "cunzhi.organisations",
    "cunzhi.elections",
    "cunzhi.insights",
    "cunzhi.api",
    "cunzhi.web",
    "cunzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Refuses NUL characters and oversized bodies before anything reads the session or the form.
    "cunzhi.core.middleware.EdgeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",
    # Practice mode (issue 15): a practising villager's request is rolled back once its page is ready.
    "cunzhi.learning.practice.PracticeMiddleware",
]

ROOT_URLCONF = "cunzhi.urls"
WSGI_APPLICATION = "cunzhi.wsgi.application"
ASGI_APPLICATION = "cunzhi.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cunzhi.web.context_processors.ui",
                "cunzhi.notify.context_processors.notify",
            ],
            # Django's {% url %} with its answers remembered (cunzhi/core/templatetags/url_memo.py).
            "builtins": ["cunzhi.core.templatetags.url_memo"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'cunzhi.sqlite3'}")
# Persistent connections: a new connection per request halves throughput (DESIGN.md), and for
# SQLite every new connection repeats the PRAGMAs below.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; synchronous=FULL because an
        # acknowledged vote or ledger entry must survive a power cut (DESIGN.md).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait instead of
        # failing with "database is locked" half-way through a transaction.
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    DATABASES["default"].setdefault("TEST", {})
    # Through PgBouncer in transaction mode (docs/scaling.md) a server connection serves other clients
    # between transactions, so nothing may outlive one: no server-side cursors (QuerySet.iterator() opens a
    # named cursor that the next transaction would not find). Django already sends no prepared statements,
    # and the code sets no session state (only SET LOCAL).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("PGBOUNCER", False)
# An optional read replica (PostgreSQL streaming replication) for the figures and exports: the views that
# read a lot and write nothing run their reads there (cunzhi.core.dbrouter); everything else stays on default.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
    DATABASES["replica"].update(
        CONN_HEALTH_CHECKS=True,
        DISABLE_SERVER_SIDE_CURSORS=env_bool("PGBOUNCER", False),
        TEST={"MIRROR": "default"},  # tests read the replica's rows from the test database
    )
    DATABASE_ROUTERS = ["cunzhi.core.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, lockouts) ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # A database cache is shared by every worker process without an extra server (Django's, with a `set`
    # of one statement: cunzhi/core/dbcache.py). Room for every villager's session and cached home page;
    # the default 300 would thrash.
    CACHES = {
        "default": {
            "BACKEND": "cunzhi.core.dbcache.DatabaseCache",
            "LOCATION": "cunzhi_cache",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 50000)},
        }
    }
# "memo": small state every app process reads on most requests (the live meeting state, the header's unread
# count, who may watch a stream). With Redis it is shared by every app server and worker, so a change seen by
# one is seen by all at once; on one machine without Redis each process keeps its own copy for a few seconds
# (what it did before: the database cache would cost a query on every poll).
if REDIS_URL:
    CACHES["memo"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "memo",
    }
else:
    CACHES["memo"] = {"BACKEND": "cunzhi.core.memo.ProcessMemo", "OPTIONS": {"MAX_ENTRIES": 50000}}
# django-ratelimit only knows memcached and django-redis by name; Django's own Redis cache
# increments atomically too. Without Redis the database cache is good enough for one machine.
SILENCED_SYSTEM_CHECKS = (
    ["django_ratelimit.W001"]
    + ([] if REDIS_URL else ["django_ratelimit.E003"])
    + env_list("SILENCED_SYSTEM_CHECKS", [])
)
RATELIMIT_VIEW = "cunzhi.core.middleware.ratelimited"
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)

# --- Background tasks -----------------------------------------------------------------------
# One setting chooses the queue: TASKS_BACKEND=database (default: no extra server, `manage.py db_worker`)
# or TASKS_BACKEND=rq (Redis at TASKS_REDIS_URL, default REDIS_URL; workers `manage.py rqworker default`,
# as many as needed on as many machines). A full backend path is accepted too.
TASKS_BACKEND = {"database": "django_tasks_db.DatabaseBackend", "rq": "django_tasks_rq.RQBackend"}.get(
    env_str("TASKS_BACKEND", "database"), env_str("TASKS_BACKEND", "database")
)
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
if TASKS_BACKEND == "django_tasks_rq.RQBackend":
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {
        "default": {"URL": env_str("TASKS_REDIS_URL", REDIS_URL or "redis://127.0.0.1:6379/0"), "DEFAULT_TIMEOUT": 900}
    }

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # lockout per phone and client address
    "cunzhi.core.logins.AccountDelayBackend",  # the password, with the account's wait (docs/operations.md)
    # Only loads the user of sessions opened before AccountDelayBackend existed: passwords are
    # checked by the backend above, which answers every attempt.
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Lock an account (per phone and address) after repeated failures; it opens again after the
# cool-off. Locking on phone alone would let anyone lock a villager out on purpose.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Tries refused during a lockout (or the account's wait) are not counted and do not lengthen it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "cunzhi.core.logins.lockout_response"
# Across all addresses (cunzhi/core/logins.py): after this many failures the account's next try
# waits, twice as long after each further failure, never locking the owner out.
LOGIN_ACCOUNT_FREE_FAILURES = env_int("LOGIN_ACCOUNT_FREE_FAILURES", 2 * AXES_FAILURE_LIMIT)
LOGIN_ACCOUNT_DELAY_SECONDS = env_int("LOGIN_ACCOUNT_DELAY_SECONDS", 30)
LOGIN_ACCOUNT_MAX_DELAY_SECONDS = env_int("LOGIN_ACCOUNT_MAX_DELAY_SECONDS", 15 * 60)
LOGIN_DEVICE_COOKIE = "cunzhi_device"
# The client address behind a reverse proxy (cunzhi/core/clientip.py): the header is believed only
# from these addresses or networks. Lockouts and rate limits are keyed on it.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "X-Forwarded-For")
AXES_CLIENT_IP_CALLABLE = "cunzhi.core.clientip.client_ip"
RATELIMIT_IP_META_KEY = "cunzhi.core.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# Sessions read from the cache (Redis in production), written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 14 * 24 * 3600)

# --- Security headers -----------------------------------------------------------------------
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEBUG and bool(env_str("SECRET_KEY")))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = SECURE_HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Everything is served from our own origin: no CDN (closed government networks), no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "https:", "blob:"],  # blob: hls.js plays the meeting stream through MediaSource
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# Working hours on working days (cunzhi.core.workdays): the concerns' "acknowledge within 2 hours"
# clock counts only these. Working days come from the State Council's calendar (chinese-calendar).
WORKING_HOURS = env_time_ranges("WORKING_HOURS", "08:30-12:00,14:00-17:30")

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start when it is missing
# Uploaded files live outside any public URL; views hand them out after a permission check. With several app
# servers and workers FILES_DIR is a folder they all mount (NFS, CephFS: docs/scaling.md), or FILES_BACKEND
# names another storage: `storages.backends.s3.S3Storage` (pip install django-storages[s3]; S3-compatible
# object storage such as MinIO or Ceph RGW, configured by the AWS_* variables below).
FILES_DIR = Path(env_str("FILES_DIR", str(DATA_DIR / "private")))
# The file system through core's PrivateStorage, which also deletes what learning's practice mode stored.
FILES_BACKEND = env_str("FILES_BACKEND", "cunzhi.core.files.PrivateStorage")
if FILES_BACKEND in ("cunzhi.core.files.PrivateStorage", "django.core.files.storage.FileSystemStorage"):
    _files_options: dict[str, object] = {"location": str(FILES_DIR)}
else:
    _files_options = {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", "cunzhi"),
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,
        "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
        "access_key": env_str("AWS_ACCESS_KEY_ID", "") or None,
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY", "") or None,
        "default_acl": None,  # private objects; the views hand them out
        "querystring_auth": True,
        "file_overwrite": False,
    }
STORAGES = {
    "default": {"BACKEND": FILES_BACKEND, "OPTIONS": _files_options},
    # Production: collectstatic, then STATICFILES_BACKEND=whitenoise.storage.CompressedManifestStaticFilesStorage
    # and WHITENOISE_USE_FINDERS=0 (docs/operations.md). The default needs no build step.
    "staticfiles": {"BACKEND": env_str("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")},
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
# Front-end libraries from the npm registry (package.json, `npm ci` in scripts/setup.sh), served as static
# files under their own prefix. Missing (npm ci not run): a system check warns (cunzhi/meetings/live/checks.py).
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{name}", NODE_MODULES / name / "dist") for name in ("hls.js",) if (NODE_MODULES / name / "dist").is_dir()
]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ROSTER_MAX_UPLOAD_BYTES = env_int("ROSTER_MAX_UPLOAD_MB", 50) * 1024 * 1024
# Rosters above this many rows are imported by the task worker with a progress bar.
ROSTER_BACKGROUND_ROWS = env_int("ROSTER_BACKGROUND_ROWS", 500)
# A checked roster file (every full ID number of a village) not confirmed within this many days is
# deleted; an imported, rejected or failed one is deleted at once (people.roster).
ROSTER_FILE_KEEP_DAYS = env_int("ROSTER_FILE_KEEP_DAYS", 3)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if not env_str("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cunzhi@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- API ------------------------------------------------------------------------------------
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
NINJA_PAGINATION_PER_PAGE = 50

# --- The site's address (cunzhi.core.links; docs/operations.md) ------------------------------
# Scheme, host and port the public reaches the site at: every absolute link (texts, e-mails, PDFs,
# QR codes, calendar files, certificates) is built from it. Unset, it follows PORT, so a demo on
# another port links to itself. NOTIFY_BASE_URL is its old name, still read (deprecated).
SITE_URL = (
    env_str("SITE_URL", "") or env_str("NOTIFY_BASE_URL", "") or f"http://127.0.0.1:{env_int('PORT', 8000)}"
).rstrip("/")
NOTIFY_BASE_URL = SITE_URL  # deprecated alias: read SITE_URL (through cunzhi.core.links.absolute_url)

# --- Notifications (cunzhi.notify; docs/operations.md) ---------------------------------------
NOTIFY_MAX_TRIES = env_int("NOTIFY_MAX_TRIES", 5)
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 60)  # doubled after each failure
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 500)  # deliveries per task
# A queued batch whose task never ran is taken over by the retry job after this long.
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 900)
# Seconds the unread count and job warnings in page headers are kept per process.
NOTIFY_HEADER_SECONDS = env_int("NOTIFY_HEADER_SECONDS", 20)
# SMS quiet hours for people who did not choose their own (local time, may wrap midnight); urgent
# notices ignore them.
NOTIFY_QUIET_START = env_str("NOTIFY_QUIET_START", "22:00")
NOTIFY_QUIET_END = env_str("NOTIFY_QUIET_END", "07:00")
SMS_BACKEND = env_str("SMS_BACKEND", "file")  # file (data/sms/), http (any gateway) or kannel
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(DATA_DIR / "sms"))
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
# string.Template with $phone and $text (JSON-escaped when the content type is JSON).
SMS_HTTP_TEMPLATE = env_str("SMS_HTTP_TEMPLATE", '{"phone": "$phone", "text": "$text"}')
SMS_HTTP_CONTENT_TYPE = env_str("SMS_HTTP_CONTENT_TYPE", "application/json")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
# A notice's text: its words, the link to the full text and how to stop, in at most this many
# characters — two segments of a concatenated Chinese (UCS-2) text, 67 characters each.
SMS_MAX_CHARS = env_int("SMS_MAX_CHARS", 134)

# --- Uploads (cunzhi.core.files) ---------------------------------------------------------------
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# --- Concerns (cunzhi.concerns; docs/concerns.md) ----------------------------------------------
CONCERNS_ACK_HOURS = env_int("CONCERNS_ACK_HOURS", 2)  # working hours to acknowledge
# Hours to answer per clock, overriding the defaults (emergency=2, utilities=24, general=168, complex=360).
CONCERNS_ANSWER_HOURS = env_int_map("CONCERNS_ANSWER_HOURS")
CONCERNS_ESCALATION_HOURS = env_int("CONCERNS_ESCALATION_HOURS", 24)  # late this long: one level up
CONCERNS_CONFIRM_DAYS = env_int("CONCERNS_CONFIRM_DAYS", 7)  # the villager's time to confirm and rate
CONCERNS_MAX_PHOTOS = env_int("CONCERNS_MAX_PHOTOS", 4)
CONCERNS_PHOTO_MAX_BYTES = env_int("CONCERNS_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
CONCERNS_DUE_SOON_HOURS = env_int("CONCERNS_DUE_SOON_HOURS", 24)
CONCERNS_JOB_MINUTES = env_int("CONCERNS_JOB_MINUTES", 5)  # how often clocks are checked
# The category a free text sent by SMS is filed under until staff triage it (its code); without an
# active category of this code such texts wait in the staff queue instead (docs/sms.md).
CONCERNS_SMS_CATEGORY = env_str("CONCERNS_SMS_CATEGORY", "other")
OPEN311_MAX_REQUESTS = env_int("OPEN311_MAX_REQUESTS", 1000)  # the GeoReport v2 default list bound
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")  # shown in the Open311 discovery document

# --- Services and applications (cunzhi.applications; docs/applications.md) ---------------------
APPLICATIONS_ACCEPT_DAYS = env_int("APPLICATIONS_ACCEPT_DAYS", 5)  # working days to decide acceptance
# The address villagers e-mail missing materials to, and the receiver that takes them in.
APPLICATIONS_MAIL_ADDRESS = env_str("APPLICATIONS_MAIL_ADDRESS", "banshi@localhost")
APPLICATIONS_MAIL_HOSTNAME = env_str("APPLICATIONS_MAIL_HOSTNAME", "")
APPLICATIONS_MAIL_MAX_BYTES = env_int("APPLICATIONS_MAIL_MAX_BYTES", 30 * 1024 * 1024)
APPLICATIONS_SMTP_HOST = env_str("APPLICATIONS_SMTP_HOST", "127.0.0.1")
APPLICATIONS_SMTP_PORT = env_int("APPLICATIONS_SMTP_PORT", 2525)
# Signs certificates. Its own key, so rotating SECRET_KEY (sessions) leaves every certificate ever
# issued verifiable; empty falls back to SECRET_KEY (the demo).
APPLICATIONS_CERTIFICATE_KEY = env_str("APPLICATIONS_CERTIFICATE_KEY", "")

# --- Meetings (cunzhi.meetings; docs/meetings.md) ----------------------------------------------
# Days of notice per body, overriding the law's defaults (villagers=10), e.g. "representatives=5".
MEETINGS_NOTICE_DAYS = env_int_map("MEETINGS_NOTICE_DAYS")
MEETINGS_OPEN_EARLY_MINUTES = env_int("MEETINGS_OPEN_EARLY_MINUTES", 60)  # check-in opens this early
MEETINGS_LIVE_CACHE_SECONDS = float(env_str("MEETINGS_LIVE_CACHE_SECONDS", "0.5"))  # live tally reuse
# The meeting's own live stream (cunzhi/meetings/live): chunks, HLS and recordings under this folder.
MEETINGS_LIVE_ROOT = Path(env_str("MEETINGS_LIVE_ROOT", str(FILES_DIR / "live")))
MEETINGS_LIVE_FFMPEG = env_str("MEETINGS_LIVE_FFMPEG", "ffmpeg")  # missing: no streaming (a system check warns)
MEETINGS_LIVE_CHUNK_MAX_BYTES = env_int("MEETINGS_LIVE_CHUNK_MAX_MB", 4) * 1024 * 1024  # one MediaRecorder chunk
MEETINGS_LIVE_MIN_FREE_MB = env_int("MEETINGS_LIVE_MIN_FREE_MB", 500)  # below this free space, chunks are refused
MEETINGS_LIVE_SEGMENT_LINK_SECONDS = env_int("MEETINGS_LIVE_SEGMENT_LINK_SECONDS", 60)  # a signed segment link
# The key of segment links, shared with nginx when it serves the segments (manage.py live_nginx); empty:
# derived from SECRET_KEY.
MEETINGS_LIVE_SEGMENT_SECRET = env_str("MEETINGS_LIVE_SEGMENT_SECRET", "")
MEETINGS_LIVE_PLAYLIST_LINK_MINUTES = env_int("MEETINGS_LIVE_PLAYLIST_LINK_MINUTES", 240)  # a playlist link
# Days a recording is kept after the stream ended, then removed (the removal recorded, the minutes say so);
# 0 keeps recordings for good.
MEETINGS_LIVE_RETENTION_DAYS = env_int("MEETINGS_LIVE_RETENTION_DAYS", 1095)
MEETINGS_LIVE_VOICE_MAX_BYTES = env_int("MEETINGS_LIVE_VOICE_MAX_MB", 3) * 1024 * 1024  # a voice-note question
MEETINGS_LIVE_VOICE_MAX_SECONDS = env_int("MEETINGS_LIVE_VOICE_MAX_SECONDS", 120)  # longer ones are cut here
# The RTMP ingest (nginx with libnginx-mod-rtmp, scripts/rtmp.sh): where encoders publish, and its callback.
MEETINGS_LIVE_RTMP_URL = env_str("MEETINGS_LIVE_RTMP_URL", "rtmp://127.0.0.1:1935/live")

# --- Disclosure (cunzhi.disclosure; docs/disclosure.md) ----------------------------------------
# Frequency per category overriding the defaults (quarterly), e.g. "finance=monthly".
DISCLOSURE_DEFAULT_FREQUENCY = env_map("DISCLOSURE_DEFAULT_FREQUENCY")
DISCLOSURE_GRACE_DAYS = env_int("DISCLOSURE_GRACE_DAYS", 10)  # days after a period before it is late
DISCLOSURE_CALENDAR_START = env_str("DISCLOSURE_CALENDAR_START", "")  # ISO date; empty: 1 January
DISCLOSURE_ANNOUNCE = env_bool("DISCLOSURE_ANNOUNCE", True)  # tell villagers of each publication
DISCLOSURE_REMIND_DAYS_BEFORE = env_int("DISCLOSURE_REMIND_DAYS_BEFORE", 3)

# --- Voice (cunzhi.voice; docs/voice.md) ---------------------------------------------------------
VOICE_ESPEAK = env_str("VOICE_ESPEAK", "espeak-ng")  # program names or paths; missing: no listen control
VOICE_FFMPEG = env_str("VOICE_FFMPEG", "ffmpeg")
VOICE_NAME = env_str("VOICE_NAME", "cmn-latn-pinyin")  # an espeak-ng voice that reads tone-numbered pinyin
VOICE_RATE = env_int("VOICE_RATE", 150)  # words (syllables) a minute; espeak-ng's default 175 is fast for elders
VOICE_MAX_CHARS = env_int("VOICE_MAX_CHARS", 1500)  # longer texts: only the beginning is read, and the page says so
VOICE_LINK_HOURS = env_int("VOICE_LINK_HOURS", 24)  # a listen link works for the account it was shown to, this long
VOICE_KEEP_DAYS = env_int("VOICE_KEEP_DAYS", 30)  # clips older than this are deleted; made again when asked

# --- Points (cunzhi.points; docs/points.md) ----------------------------------------------------
# Kinds of township office that keep the township's points catalogue (people.models.OfficeKind values):
# civil affairs guides villagers' self-governance; small townships keep it in the government office.
POINTS_OFFICE_KINDS = env_list("POINTS_OFFICE_KINDS", ["civil_affairs", "government"])

# --- Village organisations (cunzhi.organisations; docs/organisations.md) ----------------------------------
# Kinds of township office that register the township's organisations (civil affairs registers social
# organisations); a village's organisations are registered by its cadres.
ORGANISATIONS_OFFICE_KINDS = env_list("ORGANISATIONS_OFFICE_KINDS", ["civil_affairs"])

# --- Elections (cunzhi.elections; docs/elections.md) ------------------------------------------------
# Most written proxies one voter may hold (art. 15 leaves the number to the province; most say 3).
ELECTIONS_PROXY_LIMIT = env_int("ELECTIONS_PROXY_LIMIT", 3)
# The province reserves a committee seat for a woman (妇女委员专职专选); the composition rule holds anyway.
ELECTIONS_WOMEN_SEAT = env_bool("ELECTIONS_WOMEN_SEAT", True)
# Township offices that guide village elections and may watch them (people.models.OfficeKind values).
ELECTIONS_OFFICE_KINDS = env_list("ELECTIONS_OFFICE_KINDS", ["civil_affairs", "government"])
# The county's live results table is built once per this many seconds and language, whoever reads it (0: every
# request): on election day dozens of people reload it while the counts arrive.
ELECTIONS_LIVE_CACHE_SECONDS = env_int("ELECTIONS_LIVE_CACHE_SECONDS", 5)

# --- Consultations (cunzhi.consultations; docs/consultations.md) -------------------------------
CONSULTATIONS_MAX_PARAGRAPHS = env_int("CONSULTATIONS_MAX_PARAGRAPHS", 300)
CONSULTATIONS_MAX_PARAGRAPH_CHARS = env_int("CONSULTATIONS_MAX_PARAGRAPH_CHARS", 5000)
CONSULTATIONS_UPLOAD_MAX_BYTES = env_int("CONSULTATIONS_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
CONSULTATIONS_COMMENT_MAX_CHARS = env_int("CONSULTATIONS_COMMENT_MAX_CHARS", 2000)
CONSULTATIONS_MIN_DAYS = env_int("CONSULTATIONS_MIN_DAYS", 7)
CONSULTATIONS_MAX_DAYS = env_int("CONSULTATIONS_MAX_DAYS", 90)

# --- SMS through Kannel (SMS_BACKEND=kannel; cunzhi.notify.kannel; docs/sms.md) ----------------
KANNEL_SENDSMS_URL = env_str("KANNEL_SENDSMS_URL", "http://127.0.0.1:13013/cgi-bin/sendsms")
KANNEL_USERNAME = env_str("KANNEL_USERNAME", "cunzhi")
KANNEL_PASSWORD = env_str("KANNEL_PASSWORD", "")
# The language villagers without an account are told in (those with one choose their own).
NOTIFY_ROSTER_LANGUAGE = env_str("NOTIFY_ROSTER_LANGUAGE", "zh-hans")
KANNEL_SENDER = env_str("KANNEL_SENDER", "")  # the village's or county's service number, if the operator lets us set it
# Where Kannel reports deliveries and hands incoming texts; the secret proves the caller is our gateway.
KANNEL_DLR_URL = env_str("KANNEL_DLR_URL", "")
KANNEL_SECRET = env_str("KANNEL_SECRET", "")
# A text counts as reaching its person on the operator's delivery report (Kannel gives them); with a
# gateway that gives none, on being accepted by the gateway.
SMS_DELIVERY_REPORTS = env_bool("SMS_DELIVERY_REPORTS", SMS_BACKEND == "kannel")
