"""Configure Skolsam from environment variables.

One settings module for every environment. Production sets DJANGO_DEBUG=false,
DJANGO_SECRET_KEY, SKOLSAM_SS12000_SIGNING_KEY, DATABASE_URL and DJANGO_ALLOWED_HOSTS (it
refuses to start without real keys); the demo and the tests run on the defaults (embedded
SQLite under var/).
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[3]  # the repository root
SRC_DIR = BASE_DIR / "src" / "skolsam"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Published in this file, so good for the demo and the tests only: production refuses it.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-in-production-0123456789"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "djangosaml2",
    "skolsam.core",
    "skolsam.accounts",
    "skolsam.organisations",
    "skolsam.curriculum",
    "skolsam.people",
    "skolsam.groups",
    "skolsam.duties",
    "skolsam.enrolment",
    "skolsam.activities",
    "skolsam.schedule",
    "skolsam.attendance",
    "skolsam.messaging",
    "skolsam.grades",
    "skolsam.pupil_documentation",
    "skolsam.help",
    "skolsam.imports",
    "skolsam.exports",
    "skolsam.audit",
    "skolsam.audit_search",
    "skolsam.accessibility",
    "skolsam.demo",
    "skolsam.portal",
    "django_tasks",
    "django_tasks_db",
    "skolsam.api.ss12000",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "skolsam.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The person's chosen language (or the chooser's cookie), Swedish by default.
    "skolsam.accounts.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Lets views build the request's Actor (core.views.request_actor), kept per session.
    "skolsam.accounts.middleware.ActorMiddleware",
    "skolsam.accounts.middleware.SessionTimeoutMiddleware",
    "skolsam.accounts.middleware.TwoFactorMiddleware",
    # Guardians and pupils reach the portal and their account, nothing else (404).
    "skolsam.portal.middleware.PortalOnlyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # The product's 404 page with DEBUG on too (the demo); inside the others, so its page
    # gets their headers and cookies.
    "skolsam.core.middleware.ProductErrorPagesMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Server-Timing header with time and SQL statement count per request, and the framework
# floor page `/_timing/golv/` (core/timing.py): for operators and bench/http_pages.py.
SKOLSAM_SERVER_TIMING = env.bool("SKOLSAM_SERVER_TIMING", default=False)

# Whom a user who is stuck should contact, as the help on every page says it: "Kontakta
# <this>." Köping, Arboga and Kungsör name their shared helpdesk here.
SKOLSAM_HELPDESK = env.str("SKOLSAM_HELPDESK", default="skolans expedition eller administratör")
if SKOLSAM_SERVER_TIMING:
    MIDDLEWARE.insert(0, "skolsam.core.timing.ServerTimingMiddleware")

ROOT_URLCONF = "skolsam.conf.urls"
WSGI_APPLICATION = "skolsam.conf.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# SQLite under var/ is the embedded default, so the demo needs no server.
VAR_DIR = Path(env.str("SKOLSAM_VAR_DIR", default=str(BASE_DIR / "var")))
if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'skolsam.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo server read while a management command writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs tens of milliseconds per query and pays off only on long
    # analytic queries; the app's (and the SS 12000 API's) queries are short. The default
    # random_page_cost (4) assumes spinning disks and makes PostgreSQL scan whole tables
    # rather than probe an index for, say, the 1,000 persons of an API page; 1.1 is the
    # usual value for SSDs.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off -c random_page_cost=1.1")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep a connection open between requests (a new PostgreSQL connection costs a few
# milliseconds, as much as a whole page): for DJANGO_CONN_MAX_AGE seconds, checked before
# reuse so a connection the server dropped is replaced rather than failing a request. The
# demo and the tests (DEBUG on) close it after each request, as Django does by default.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0 if DEBUG else 600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Axes first: it refuses a locked-out username and address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # SAML logins (djangosaml2): matched to the register, never created from attributes.
    "skolsam.accounts.federation.backends.RegisterSaml2Backend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "sv"
# The UI's source text is Swedish. Guardians' pages (the portal) and what is sent to them
# (notices, messages) are also in English, Arabic, Somali and Persian; staff pages are in
# English where their strings are marked. The language is a choice per person
# (Person.language), never the browser's Accept-Language: a browser that asks for English
# must not get "30 Nov" in the middle of a Swedish page (accounts.middleware.LanguageMiddleware).
# Names are each language's own, so a reader finds theirs.
LANGUAGES = [
    ("sv", "Svenska"),
    ("en", "English"),
    ("ar", "العربية"),
    ("so", "Soomaali"),
    ("fa", "فارسی"),
]
# The languages whose catalogues must cover every string guardians and pupils see
# (core/tests/test_catalogues.py).
SKOLSAM_PORTAL_LANGUAGES = ["en", "ar", "so", "fa"]
LANGUAGE_COOKIE_NAME = "skolsam_sprak"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# Sessions: see docs/architecture.md "Login and sessions". A session ends after
# SKOLSAM_SESSION_SECONDS whatever happens, after SKOLSAM_SESSION_IDLE_SECONDS without a
# request (accounts.middleware.SessionTimeoutMiddleware), and when the browser closes.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("SKOLSAM_SESSION_SECONDS", default=8 * 3600)
SKOLSAM_SESSION_IDLE_SECONDS = env.int("SKOLSAM_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = not DEBUG
# The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and
# for the whole site, so a sibling subdomain cannot plant or read it.
SESSION_COOKIE_NAME = "sessionid" if DEBUG else "__Host-sessionid"
CSRF_COOKIE_SECURE = not DEBUG

# Failed logins (django-axes): 5 failures for the same username from the same address lock
# that pair out for SKOLSAM_LOCKOUT_MINUTES; `manage.py axes_reset_username <name>` lifts
# it early. The address comes from the same function as the audit log's.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("SKOLSAM_LOGIN_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SKOLSAM_LOCKOUT_MINUTES", default=15))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "skolsam.core.middleware.client_address"
AXES_LOCKOUT_CALLABLE = "skolsam.accounts.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in our own audit log

# Two-factor authentication (django-otp): TOTP apps, with static recovery codes.
OTP_TOTP_ISSUER = env.str("SKOLSAM_TOTP_ISSUER", default="Skolsam")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)

# With DEBUG on, a missing or refused page still shows the product's 404 page
# (core.middleware.ProductErrorPagesMiddleware); a developer who wants Django's debug
# 404 back, with the URL patterns it tried, sets this.
SKOLSAM_DEBUG_ERROR_PAGES = env.bool("SKOLSAM_DEBUG_ERROR_PAGES", default=False)

# Trust X-Forwarded-For only behind a known proxy; it decides the audit log's client address.
SKOLSAM_TRUST_X_FORWARDED_FOR = env.bool("SKOLSAM_TRUST_X_FORWARDED_FOR", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}

# Background work: Django's tasks API (django-tasks backport), queued in the database and
# run by `manage.py db_worker` (as many workers as wanted).
TASKS = {
    "default": {
        "BACKEND": env.str("SKOLSAM_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# Called once per committed transaction that recorded register changes (core/changes.py):
# the SS 12000 API wakes its webhook dispatcher, which reads the outbox.
SKOLSAM_CHANGES_COMMITTED = "skolsam.api.ss12000.changes.changes_committed"
# The model behind each SS 12000 entity type: a recorded change moves its rows' `modified`.
SKOLSAM_CHANGE_MODELS = {
    "Organisation": "organisations.Organisation",
    "Person": "people.Person",
    "Placement": "enrolment.Placement",
    "Duty": "duties.Duty",
    "Group": "groups.Group",
    "Programme": "curriculum.Programme",
    "Syllabus": "curriculum.Syllabus",
    "SchoolUnitOffering": "curriculum.SchoolUnitOffering",
    "Activity": "activities.Activity",
    "CalendarEvent": "schedule.CalendarEvent",
    "Attendance": "attendance.Attendance",
    "AttendanceEvent": "attendance.AttendanceEvent",
    "AttendanceSchedule": "attendance.AttendanceSchedule",
    "Absence": "attendance.Absence",
    "Room": "schedule.Room",
    "Resource": "schedule.Resource",
    # A grade's published row (grades.PublishedGrade): its decisions are immutable rows.
    "Grade": "grades.PublishedGrade",
    "StudyPlan": "grades.StudyPlan",
}
# Entity types whose rows drop out of an API client's view without being deleted (a
# relation ends, protected identity is set): each recorded change of one leaves a
# tombstone candidate, listed in /deletedEntities while the row is out of the client's view.
SKOLSAM_CHANGE_LEAVING = ("Person", "Duty", "Placement")

# SS 12000 API (src/skolsam/api/ss12000). Tokens Skolsam issues are signed with this key
# (HS256); empty means a key derived from DJANGO_SECRET_KEY.
SKOLSAM_SS12000_SIGNING_KEY = env.str("SKOLSAM_SS12000_SIGNING_KEY", default="")
SKOLSAM_SS12000_TOKEN_ISSUER = env.str("SKOLSAM_SS12000_TOKEN_ISSUER", default="skolsam")
SKOLSAM_SS12000_TOKEN_SECONDS = env.int("SKOLSAM_SS12000_TOKEN_SECONDS", default=3600)
# Other issuers whose JWTs the API accepts, as JSON: [{"issuer": ..., "jwks_url" or
# "jwks_file": ..., "algorithms": ["ES256"], "audience": ..., "client_claim": ...,
# "required_claims": [...]}]. Skolverket's national-tests client is one.
SKOLSAM_SS12000_EXTERNAL_ISSUERS = env.json("SKOLSAM_SS12000_EXTERNAL_ISSUERS", default=[])
SKOLSAM_SS12000_MAX_PAGE_SIZE = env.int("SKOLSAM_SS12000_MAX_PAGE_SIZE", default=1000)
SKOLSAM_SS12000_SPEC_PATH = env.str(
    "SKOLSAM_SS12000_SPEC_PATH",
    default=str(
        BASE_DIR.parent / "shared" / "specs" / "ss12000" / "openapi_ss12000_version2_1_0.yaml"
    ),
)
# Webhook targets on loopback or private networks are refused unless this is set (tests).
SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = env.bool(
    "SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE", default=False
)

# Attendance (src/skolsam/attendance): how SMS notices leave Skolsam. The default prints
# them to the console (demo); a real provider is a class with `send(*, to, text)`.
SKOLSAM_SMS_PROVIDER = env.str(
    "SKOLSAM_SMS_PROVIDER", default="skolsam.core.sms.ConsoleSmsProvider"
)

# Messages (src/skolsam/messaging): the address links in e-mails lead to.
SKOLSAM_PUBLIC_URL = env.str("SKOLSAM_PUBLIC_URL", default="http://127.0.0.1:8000")
# Web push (messages to the installed app): the VAPID private key, 32 bytes base64url
# (`manage.py messaging_vapid_key` makes one), and the contact the push services may use.
# Without a key, no push is offered or sent.
SKOLSAM_VAPID_PRIVATE_KEY = env.str("SKOLSAM_VAPID_PRIVATE_KEY", default="")
SKOLSAM_VAPID_SUBJECT = env.str("SKOLSAM_VAPID_SUBJECT", default="mailto:skolsam@example.se")
# Uploaded files (message attachments). Never served as static files: only through the
# access-checked views of the app that owns them. No MEDIA_URL is routed.
MEDIA_ROOT = Path(env.str("SKOLSAM_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# The largest attachment, in bytes (10 MB unless set).
SKOLSAM_ATTACHMENT_MAX_BYTES = env.int("SKOLSAM_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)


# Federated login (src/skolsam/accounts/federation; README "Logga in med e-legitimation och
# Skolfederation"). Skolsam is one SAML service provider for Sweden Connect (e-legitimation,
# matched on personalIdentityNumber) and Skolfederation (matched on eduPersonPrincipalName),
# and an OpenID Connect client of the Swedish OIDC profile. A federation is offered when its
# metadata (SAML) or issuer (OIDC) is set. With DJANGO_DEBUG=true they default to the local
# demo identity providers (`make demo-idp`: SimpleSAMLphp on 127.0.0.1:8480, the OIDC mock on
# 127.0.0.1:9400); in production they are off until configured.
SKOLSAM_BASE_URL = env.str("SKOLSAM_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
_DEMO_SAML_METADATA = "http://127.0.0.1:8480/saml2/idp/metadata.php" if DEBUG else ""
SKOLSAM_SAML_ENTITY_ID = env.str(
    "SKOLSAM_SAML_ENTITY_ID", default=f"{SKOLSAM_BASE_URL}/saml/metadata/"
)
# The service provider's signing key and certificate (PEM files). Empty: a self-signed pair
# is made under var/saml/ on first use, which only the demo may do.
SKOLSAM_SAML_KEY_FILE = env.str("SKOLSAM_SAML_KEY_FILE", default="")
SKOLSAM_SAML_CERT_FILE = env.str("SKOLSAM_SAML_CERT_FILE", default="")
SKOLSAM_XMLSEC_BINARY = env.str("SKOLSAM_XMLSEC_BINARY", default="/usr/bin/xmlsec1")
# djangosaml2 speaks SAML; its pysaml2 configuration is built per federation from the
# settings here (accounts.federation.saml.sp_config), not written as SAML_CONFIG. Its
# backend matches identities to the register and never creates or updates a user.
SAML_CONFIG_LOADER = "skolsam.accounts.federation.saml.config_loader"
SAML_CREATE_UNKNOWN_USER = False
SAML_ATTRIBUTE_MAPPING: dict[str, tuple[str, ...]] = {}
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_LOGOUT_REQUEST_PREFERRED_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_CSP_HANDLER = ""  # no django-csp: nothing for djangosaml2 to loosen
# Per federation: metadata (an https URL or a file path), the certificate that signs remote
# metadata (a file; required for a URL in production), and the entity id of the IdP to send
# users to (empty: the only IdP in the metadata).
SKOLSAM_SWEDENCONNECT_METADATA = env.str(
    "SKOLSAM_SWEDENCONNECT_METADATA", default=_DEMO_SAML_METADATA
)
SKOLSAM_SWEDENCONNECT_METADATA_CERT = env.str("SKOLSAM_SWEDENCONNECT_METADATA_CERT", default="")
SKOLSAM_SWEDENCONNECT_IDP = env.str("SKOLSAM_SWEDENCONNECT_IDP", default="")
SKOLSAM_SWEDENCONNECT_LOA = env.str(
    "SKOLSAM_SWEDENCONNECT_LOA", default="http://id.elegnamnden.se/loa/1.0/loa3"
)
SKOLSAM_SKOLFEDERATION_METADATA = env.str(
    "SKOLSAM_SKOLFEDERATION_METADATA", default=_DEMO_SAML_METADATA
)
SKOLSAM_SKOLFEDERATION_METADATA_CERT = env.str("SKOLSAM_SKOLFEDERATION_METADATA_CERT", default="")
SKOLSAM_SKOLFEDERATION_IDP = env.str("SKOLSAM_SKOLFEDERATION_IDP", default="")
# A Skolfederation login counts as two-factor only when its assertion names one of these
# authentication contexts; otherwise the user's own app is asked for as after a password.
SKOLSAM_SKOLFEDERATION_MFA_CONTEXTS = env.list(
    "SKOLSAM_SKOLFEDERATION_MFA_CONTEXTS",
    default=["https://refeds.org/profile/mfa", "http://id.elegnamnden.se/loa/1.0/loa3"],
)
# The Swedish OIDC profile (mozilla-django-oidc): the OP's issuer, this client's registration
# and the OP's endpoints (defaults: oidc-provider-mock's layout under the issuer).
SKOLSAM_OIDC_ISSUER = env.str(
    "SKOLSAM_OIDC_ISSUER", default="http://127.0.0.1:9400" if DEBUG else ""
).rstrip("/")
OIDC_RP_CLIENT_ID = env.str("SKOLSAM_OIDC_CLIENT_ID", default="skolsam-demo")
OIDC_RP_CLIENT_SECRET = env.str("SKOLSAM_OIDC_CLIENT_SECRET", default="skolsam-demo-secret")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str(
    "SKOLSAM_OIDC_AUTHORIZATION_ENDPOINT", default=f"{SKOLSAM_OIDC_ISSUER}/oauth2/authorize"
)
OIDC_OP_TOKEN_ENDPOINT = env.str(
    "SKOLSAM_OIDC_TOKEN_ENDPOINT", default=f"{SKOLSAM_OIDC_ISSUER}/oauth2/token"
)
OIDC_OP_USER_ENDPOINT = env.str(
    "SKOLSAM_OIDC_USERINFO_ENDPOINT", default=f"{SKOLSAM_OIDC_ISSUER}/userinfo"
)
OIDC_OP_JWKS_ENDPOINT = env.str("SKOLSAM_OIDC_JWKS_ENDPOINT", default=f"{SKOLSAM_OIDC_ISSUER}/jwks")
OIDC_RP_SIGN_ALGO = env.str("SKOLSAM_OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str(
    "SKOLSAM_OIDC_SCOPES",
    default="openid https://id.oidc.se/scope/naturalPersonNumber",
)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"
OIDC_TIMEOUT = env.int("SKOLSAM_OIDC_TIMEOUT", default=10)
# One-time login codes for guardians without e-ID (accounts.federation.login_codes).
SKOLSAM_LOGIN_CODE_MINUTES = env.int("SKOLSAM_LOGIN_CODE_MINUTES", default=15)


def _refuse_a_public_key(name: str, value: str, *, other: str = "") -> None:
    """Stop a production start whose key anyone could know: the default, short or repetitive.

    Django's `check --deploy` only warns (security.W009) and a server starts anyway; with a
    published key anyone can forge sessions, password-reset links and API tokens.
    """
    problem = ""
    if not value:
        problem = "is not set"
    elif value == DEVELOPMENT_SECRET_KEY or value.startswith("django-insecure"):
        problem = "is the published development key"
    elif len(value) < 50 or len(set(value)) < 5:
        problem = "is too short or too simple (at least 50 characters, 5 of them different)"
    elif other and value == other:
        problem = "must differ from DJANGO_SECRET_KEY"
    if problem:
        raise ImproperlyConfigured(
            f"{name} {problem}. With DJANGO_DEBUG=false, set {name} to a random secret of "
            "its own, e.g. the output of: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )


if not DEBUG:
    _refuse_a_public_key("DJANGO_SECRET_KEY", SECRET_KEY)
    # The API's tokens are signed with a key of their own in production, so that a key
    # derived from DJANGO_SECRET_KEY is never what protects every client's access.
    _refuse_a_public_key(
        "SKOLSAM_SS12000_SIGNING_KEY", SKOLSAM_SS12000_SIGNING_KEY, other=SECRET_KEY
    )
