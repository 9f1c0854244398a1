"""Production settings: secrets and hosts must come from the environment; HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from aoi_platform.settings.base import *  # noqa: F403
from aoi_platform.settings.base import env

AOI_PRODUCTION = True
DEBUG = False

SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
AOI_AUDIT_CHECKPOINT_KEY = env.str("AOI_AUDIT_CHECKPOINT_KEY")
if len(AOI_AUDIT_CHECKPOINT_KEY) < 32:
    raise ImproperlyConfigured("AOI_AUDIT_CHECKPOINT_KEY must be at least 32 characters in production.")

AOI_SERVE_STATIC = env.bool("AOI_SERVE_STATIC", default=False)  # a reverse proxy serves STATIC_ROOT
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
