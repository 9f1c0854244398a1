"""Shared API plumbing: the exception handler that turns domain errors into clear 4xx answers."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from aoi_platform.errors import Conflict, DomainError, Forbidden


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain errors raised by services to HTTP answers; defer to DRF for the rest."""
    if isinstance(exc, Forbidden):
        return Response({"detail": str(exc), "code": exc.code}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "Permission denied."}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc), "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc), "code": exc.code}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def request_user(request: Request) -> User:
    """The signed-in user of an API request (the permission classes have already required one)."""
    if not isinstance(request.user, User):
        raise NotAuthenticated()
    return request.user
