"""Before and after: a case's photos grouped and labelled the same way wherever they are shown
(the case page, the on-site check, the department's case page), so nobody has to guess which
photo shows the problem and which one the result.

    整改前 · 上报照片 — at report, and 处置前 when handled on the spot
    整改后 · 处置照片 — the department's handling result, and 处置后 when handled on the spot
    核查照片          — taken by the grid worker on the on-site check
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import CaseAttachment

St = CaseAttachment.Stage

GROUPS = (
    ("before", _("Before · reported photos"), (St.REPORT, St.BEFORE)),
    ("after", _("After · handling photos"), (St.HANDLING, St.AFTER)),
    ("check", _("On-site check photos"), (St.VERIFICATION,)),
)
GROUP_OF_STAGE = {stage: key for key, _label, stages in GROUPS for stage in stages}


@dataclass
class PhotoGroup:
    key: str  # "before", "after", "check": also the CSS hook (data-photos="before")
    label: str
    items: list = field(default_factory=list)


def photo_groups(attachments, *, keep_empty: tuple[str, ...] = ()) -> list[PhotoGroup]:
    """The attachments (photos and videos) in before / after / check groups, in that order.

    A group with nothing in it is left out, unless named in ``keep_empty`` (the on-site check
    shows "after" even when empty, so a missing handling photo is visible)."""
    groups = {key: PhotoGroup(key=key, label=label) for key, label, _stages in GROUPS}
    for attachment in attachments:
        groups[GROUP_OF_STAGE.get(attachment.stage, "before")].items.append(attachment)
    return [g for g in groups.values() if g.items or g.key in keep_empty]
