from collections.abc import Iterable

from .models import AuditLog


def audit_record(*, user, action: str, object_type: str, object_ids: Iterable = (), reason: str = "", request=None) -> AuditLog:
    """Append one audit entry. Callers pass the ids they revealed/exported/filled."""
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return AuditLog.objects.create(
        user=user if getattr(user, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_ids=[str(i) for i in object_ids],
        reason=reason[:255],
        ip_address=ip,
    )
