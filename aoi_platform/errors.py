"""Domain errors raised by services; the API maps them to status codes (``aoi_platform.api``)."""


class DomainError(Exception):
    """A request the domain refuses; nothing was changed. Maps to 400."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class Forbidden(DomainError):
    """The actor may not do this (separation of duties, missing object permission). Maps to 403."""

    code = "forbidden"


class Conflict(DomainError):
    """The object's state does not allow this now (already decided, expired, claimed). Maps to 409."""

    code = "conflict"
