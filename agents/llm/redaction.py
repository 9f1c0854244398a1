"""Secret-looking strings removed from text before it reaches a model.

:func:`redact` replaces the secret part of each match with ``[REDACTED]`` and keeps its label (the header
name, the key, the URL's scheme, user and host), so the model still sees that a credential was there and
where. Covered: PEM private keys; ``Authorization`` headers and bearer tokens; credentials in URLs;
well-known token formats (AWS access key ids, JWTs, GitHub, GitLab, Slack, OpenAI and Anthropic, Google
API keys); values of secret-named keys (``password=``, ``"api_key": "..."``, ``DB_PASSWORD: ...``,
``--token ...``, a Kubernetes env entry whose name says it holds a secret); long hex or base64 values
after key-like names (``tls.key: LS0t...``, ``X-Signature: 9f86d0...``).

Left intact on purpose: names that only mention secrets (``secretName: tls-certs``, ``max_tokens: 256``),
references to secrets (``${DB_PASSWORD}``, ``valueFrom``, kubectl's ``<set to the key ...>``), booleans,
empty values, pod names, image digests (``sha256:...``), UUIDs, trace ids, public keys. Idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Callable

REDACTED = "[REDACTED]"

# A key holds a secret when its name ends with one of these words ("pass" alone only as a whole word:
# "bypass" and "compass" hold none).
_SENSITIVE_ENDINGS = (
    r"(?:password|passwd|passphrase|(?<![a-z])pass|secret|token|api[_-]?key|apikey"
    r"|access[_-]?key|private[_-]?key|secret[_-]?key)"
)
_SENSITIVE_NAME = rf"[A-Za-z0-9_.-]*{_SENSITIVE_ENDINGS}"
# An earlier redaction, a quoted value (escapes allowed), or a bare one, which ends at whitespace, a quote
# or a separator.
_VALUE = r"(?:\[REDACTED\]|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|[^\s\"',;&}\])]+)"
# Values that are no secret: empty, booleans, placeholders, references, an earlier redaction.
_NOT_A_SECRET = re.compile(r"""^["']?(?:|true|false|null|none|yes|no|\[REDACTED\]|[$][{(].*|<.*|\*+)["']?$""", re.I)

_PEM = re.compile(
    r"(-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----)(?:(?!-----END).)*(?:(-----END \2PRIVATE KEY-----)|\Z)", re.S
)
_AUTH_HEADER = re.compile(
    r"(?i)(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?((?:bearer|basic|token|digest|negotiate|apikey)\s+)?)"
    r"([^\s\"',;]+)"
)
_BEARER = re.compile(r"(?i)(\bbearer\s+)()([A-Za-z0-9\-._~+/]{8,}=*)")
_URL_CREDENTIALS = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/:@\"']*:)()([^\s/@\"']+)(?=@)")
_KNOWN_TOKENS = re.compile(
    r"\b(?:(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"  # AWS access key ids
    r"|eyJ[A-Za-z0-9_-]{6,}\.eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*"  # JWTs: base64 of '{"' twice
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}"  # GitHub
    r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack
    r"|sk-(?:proj-|ant-)?(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{32,}"  # OpenAI, Anthropic
    r"|AIza[A-Za-z0-9_-]{35})"  # Google API keys
)
_ASSIGNMENT = re.compile(rf"(?i)((?<![A-Za-z0-9_.-])[\"']?{_SENSITIVE_NAME}[\"']?[ \t]*[:=][ \t]*)()({_VALUE})")
_FLAG = re.compile(rf"(?i)(--{_SENSITIVE_NAME}[ \t]+)()({_VALUE})")
_ENV_ENTRY = re.compile(
    rf"(?i)(\bname[\"']?\s*[:=]\s*[\"']?{_SENSITIVE_NAME}[\"']?\s*[,\n]\s*[\"']?value[\"']?\s*[:=][ \t]*)()({_VALUE})"
)
_KEYLIKE_LONG_VALUE = re.compile(
    r"(?i)(\b([A-Za-z0-9_.-]*(?:key|secret|signature|sig|hmac|salt|cookie|session|auth|credentials?))"
    r"[\"']?[ \t]*[:= \t][ \t]*[\"']?)"
    r"([0-9a-f]{32,}|[A-Za-z0-9+/_-]{24,}={0,2})(?![A-Za-z0-9+/=_-])"
)

# A pass decides from the match (group 1: the label kept; group 2: a qualifier; group 3: the value).
Check = Callable[[re.Match[str]], bool]


def _replacing(pattern: re.Pattern[str], check: Check) -> Callable[[str], str]:
    """A pass that keeps the label and replaces the value (inside its quotes) where ``check`` agrees."""

    def replace(match: re.Match[str]) -> str:
        if not check(match):
            return match.group(0)
        value = match.group(3)
        quote = value[0] if len(value) > 1 and value[0] in "'\"" and value[-1] == value[0] else ""
        return f"{match.group(1)}{quote}{REDACTED}{quote}"

    return lambda text: pattern.sub(replace, text)


def _is_value(match: re.Match[str]) -> bool:
    return not _NOT_A_SECRET.match(match.group(3))


def _is_credential(match: re.Match[str]) -> bool:
    """An Authorization value after a scheme, or one that looks like a credential (not "denied")."""
    if not _is_value(match):
        return False
    return bool(match.group(2)) or _looks_random(match.group(3)) or len(match.group(3)) >= 20


def _is_token(match: re.Match[str]) -> bool:
    value = match.group(3)
    return bool(re.search(r"\d", value)) or len(value) >= 20


def _is_private_random(match: re.Match[str]) -> bool:
    return "pub" not in match.group(2).lower() and _looks_random(match.group(3))


def _always(match: re.Match[str]) -> bool:
    return True


def _looks_random(value: str) -> bool:
    """A value mixing character classes as keys do: not a long word, not a long path."""
    if re.fullmatch(r"[0-9a-fA-F]{32,}", value):
        return True
    classes = sum(bool(re.search(pattern, value)) for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return len(value) >= 8 and classes >= 2 and not re.search(r"[a-z]{12,}", value)


def _redact_pem(text: str) -> str:
    return _PEM.sub(lambda match: f"{match.group(1)}{REDACTED}{match.group(3) or ''}", text)


def _redact_known_tokens(text: str) -> str:
    return _KNOWN_TOKENS.sub(REDACTED, text)


_PASSES: tuple[Callable[[str], str], ...] = (
    _redact_pem,
    _replacing(_AUTH_HEADER, _is_credential),
    _replacing(_BEARER, _is_token),
    _replacing(_URL_CREDENTIALS, _always),
    _redact_known_tokens,
    _replacing(_ENV_ENTRY, _is_value),
    _replacing(_ASSIGNMENT, _is_value),
    _replacing(_FLAG, _is_value),
    _replacing(_KEYLIKE_LONG_VALUE, _is_private_random),
)


def redact(text: str) -> str:
    """``text`` with every secret-looking string replaced by ``[REDACTED]``, the rest unchanged."""
    for redaction_pass in _PASSES:
        text = redaction_pass(text)
    return text
