"""Settings read from the environment, with embedded defaults for a bare machine.

Without ``DATABASE_URL`` the platform uses a SQLite file; without ``REDIS_URL`` it runs in
embedded single-process mode: Celery tasks execute in-process and Channels uses the
in-memory layer. Set both to run against PostgreSQL and Redis with separate workers.
"""

from pathlib import Path
from typing import Any

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="aoi-development-only-key-never-use-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

AOI_PRODUCTION = False

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "channels",
    "incidents",
    "agents",
    "trajectories",
    "training",
]

MIDDLEWARE = [
    "aoi_platform.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aoi_platform.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "aoi_platform.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "aoi_platform.urls"
ASGI_APPLICATION = "aoi_platform.asgi.application"
WSGI_APPLICATION = None

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

# Databases -----------------------------------------------------------------------------

# An empty DATABASE_URL means unset, as for REDIS_URL.
DATABASES = {
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'aoi.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock up front, so the audit log's
    # read-head-then-append never races another writer into "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env.bool("AOI_DB_POOL", default=True):
    # A connection pool per process: under ASGI, Django otherwise opens a new connection for every
    # request (persistent connections do not survive its thread handling). Pooling needs
    # CONN_MAX_AGE = 0.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env.int("AOI_DB_POOL_MIN", default=1),
            "max_size": env.int("AOI_DB_POOL_MAX", default=10),
            "timeout": env.float("AOI_DB_POOL_TIMEOUT", default=10.0),
        }
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication and permissions ---------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous requests get nothing.
GUARDIAN_RAISE_403 = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The ASGI app serves its own static files (no web server needed in front); off in production.
AOI_SERVE_STATIC = env.bool("AOI_SERVE_STATIC", default=True)
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the dashboard's scripts read it for API calls
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# REST framework ---------------------------------------------------------------------------

REST_FRAMEWORK: dict[str, Any] = {
    # Token first: it supplies the WWW-Authenticate header, so anonymous API calls get 401.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "aoi_platform.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "AOI Platform API",
    "DESCRIPTION": "Incidents, alert ingestion, the write gate (action requests and approvals) and the audit log.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Served from our own static files: the platform needs no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Incidents and actions both have a ``status``: name their enums apart in the schema.
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.IncidentStatus",
        "ActionStatusEnum": "incidents.models.ActionStatus",
        "JobStatusEnum": "training.models.JobStatus",
        "ProposalStatusEnum": "training.models.ProposalStatus",
    },
}

# Redis: Celery broker and Channels layer, or the embedded single-process mode ------------

REDIS_URL = env.str("REDIS_URL", default="")
AOI_EMBEDDED = not REDIS_URL

CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    # Approved writes have their own queue, so that a flood of probe work never delays an approved fix.
    "agents.tasks.run_execute": {"queue": "executor"},
    "agents.tasks.*": {"queue": "agents"},
    "incidents.tasks.action_execute*": {"queue": "executor"},
    "training.tasks.*": {"queue": "training"},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Run by ``celery beat`` with Redis, and by ``manage.py run_periodic`` in the embedded mode.
CELERY_BEAT_SCHEDULE = {
    "expire-due-actions": {"task": "incidents.tasks.actions_expire_due", "schedule": 60.0},
    "flag-stuck-actions": {"task": "incidents.tasks.actions_stuck_flag", "schedule": 60.0},
    "relay-runs": {"task": "agents.tasks.runs_relay", "schedule": env.float("AOI_RUN_RELAY_INTERVAL", default=10.0)},
    "audit-checkpoint": {
        "task": "trajectories.tasks.audit_checkpoint",
        "schedule": env.float("AOI_AUDIT_CHECKPOINT_INTERVAL", default=300.0),
    },
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message a killed worker had taken comes back once older than the visibility timeout, when kombu
    # next scans for such messages (every ~100 s by default); the run relay sends a stalled run again
    # sooner (AOI_RUN_STALL_SECONDS), so for runs this only bounds duplicate deliveries.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.float("AOI_BROKER_VISIBILITY_TIMEOUT", default=3600)}
    # A publish while Redis is down fails fast (the request that triggered it does not hang); whatever
    # was not sent is sent again by the relay.
    CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 2,
        "interval_start": 0.2,
        "interval_step": 0.4,
        "interval_max": 1,
    }
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}},
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The write gate -----------------------------------------------------------------------------

AOI_ACTION_TTL_SECONDS = env.int("AOI_ACTION_TTL_SECONDS", default=15 * 60)
AOI_APPROVALS_REQUIRED = {
    "low": env.int("AOI_APPROVALS_LOW", default=1),
    "medium": env.int("AOI_APPROVALS_MEDIUM", default=1),
    "high": env.int("AOI_APPROVALS_HIGH", default=2),
    "critical": env.int("AOI_APPROVALS_CRITICAL", default=2),
}

# Agents ---------------------------------------------------------------------------------------

# Where runs on incidents act: the built-in simulator (the incident's aoi_problem label names the
# problem it reproduces) or a Kubernetes cluster with a reader and a writer identity (docs/kubernetes.md).
AOI_ENVIRONMENT = {
    "kind": env.str("AOI_ENVIRONMENT", default="simulator"),
    "kubernetes_config": env.str("AOI_KUBERNETES_CONFIG", default=""),
    "seed": env.int("AOI_SIMULATOR_SEED", default=0),
}
# The model behind the agents (agents.llm.factory.backend_from_config): the embedded SmolLM2 on llama.cpp by
# default (AOI_LLM_BACKEND=transformers runs the same model on transformers; AOI_LLM_MODEL: a local GGUF file);
# AOI_LLM_OPTIONS is a JSON object of further backend options (for example {"timeout_s": 60, "threads": 1}).
AOI_LLM = {
    "backend": env.str("AOI_LLM_BACKEND", default="llamacpp"),
    **({"model": env.str("AOI_LLM_MODEL")} if env.str("AOI_LLM_MODEL", default="") else {}),
    **({"base_url": env.str("AOI_LLM_BASE_URL")} if env.str("AOI_LLM_BASE_URL", default="") else {}),
    **({"api_key_env": "AOI_LLM_API_KEY"} if env.str("AOI_LLM_API_KEY", default="") else {}),
    **env.json("AOI_LLM_OPTIONS", default={}),
}
# Where GRPO training runs write their dataset snapshot and the model they produce (one folder per run).
AOI_TRAINING_OUTPUT_DIR = Path(env.str("AOI_TRAINING_OUTPUT_DIR", default=str(VAR_DIR / "training")))
# How long an in-process run waits for people to decide on a write it requested.
AOI_APPROVAL_WAIT_SECONDS = env.float("AOI_APPROVAL_WAIT_SECONDS", default=15 * 60)
# Runs hosted on the workers (agents.hosting): one delivery works at most AOI_RUN_SLICE_SECONDS, then
# sends the run again (fairness between runs); a run with no worker and no progress for
# AOI_RUN_STALL_SECONDS is sent again by the relay; AOI_RUN_MAX_WORK_SECONDS caps a run's working time.
AOI_RUN_SLICE_SECONDS = env.float("AOI_RUN_SLICE_SECONDS", default=120.0)
AOI_RUN_STALL_SECONDS = env.float("AOI_RUN_STALL_SECONDS", default=30.0)
AOI_RUN_MAX_WORK_SECONDS = env.float("AOI_RUN_MAX_WORK_SECONDS", default=900.0)
# A claimed action with no recorded result after this long needs a person (never a silent retry).
AOI_ACTION_CLAIM_TIMEOUT_SECONDS = env.float("AOI_ACTION_CLAIM_TIMEOUT_SECONDS", default=600.0)

# Learning loop ------------------------------------------------------------------------------

# Processes an evaluation (benchmark of a model version) runs in, on a `training` worker.
AOI_EVALUATION_JOBS = env.int("AOI_EVALUATION_JOBS", default=1)
# How long a curator's claim on a guidance proposal holds before another curator may take it over.
AOI_CURATION_CLAIM_SECONDS = env.int("AOI_CURATION_CLAIM_SECONDS", default=1800)

# Audit log ----------------------------------------------------------------------------------

AOI_AUDIT_CHECKPOINT_KEY = env.str("AOI_AUDIT_CHECKPOINT_KEY", default="aoi-development-checkpoint-key")
# Checkpoints belong to one database's chain: the default file is named after the database.
_DATABASE_NAME = Path(str(DATABASES["default"]["NAME"])).stem or "default"
AOI_AUDIT_CHECKPOINT_PATH = Path(
    env.str("AOI_AUDIT_CHECKPOINT_PATH", default=str(VAR_DIR / f"audit-checkpoints-{_DATABASE_NAME}.jsonl"))
)

# Alert ingestion ----------------------------------------------------------------------------

AOI_ALERT_MAX_BODY_BYTES = env.int("AOI_ALERT_MAX_BODY_BYTES", default=1024 * 1024)
AOI_REJECTED_DELIVERY_KEEP = env.int("AOI_REJECTED_DELIVERY_KEEP", default=500)
AOI_REJECTED_DELIVERY_BODY_BYTES = env.int("AOI_REJECTED_DELIVERY_BODY_BYTES", default=16 * 1024)
# Django refuses bodies past this before our view sees them; keep it above the alert limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = AOI_ALERT_MAX_BODY_BYTES * 2

# Metrics --------------------------------------------------------------------------------------

AOI_METRICS_TOKEN = env.str("AOI_METRICS_TOKEN", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
