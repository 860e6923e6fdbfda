"""The short icon list of problem types on the public report page (案件上报码).

A resident should not have to search 100+ case categories: ten everyday problems,
each mapped to the case sub-category (小类) its report is filed under. A type whose
category is missing or inactive is not offered. ``on_discovery`` categories are the
ones a volunteer may fix themselves (自主处理).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ProblemType:
    key: str
    label: str
    icon: str  # an emoji: no image to download on a slow phone
    category_code: str


PROBLEM_TYPES = (
    ProblemType("garbage", _("Garbage"), "🗑️", "0102"),  # 暴露垃圾
    ProblemType("ads", _("Illegal small ads"), "📄", "0201"),  # 非法小广告
    ProblemType("stall", _("Stall on the pavement"), "🛒", "0504"),  # 店外经营(占道经营)
    ProblemType("bikes", _("Bikes parked badly"), "🚲", "0506"),  # 非机动车乱停放
    ProblemType("clutter", _("Things piled up"), "📦", "0507"),  # 乱堆物料
    ProblemType("noise", _("Noise"), "🔊", "1001"),  # 社会生活噪声扰民
    ProblemType("manhole", _("Broken manhole cover"), "⚠️", "0406"),  # 井盖缺失破损
    ProblemType("flooding", _("Standing water"), "💧", "0405"),  # 道路积水内涝
    ProblemType("fire_exit", _("Fire exit blocked"), "🚒", "0701"),  # 消防通道堵塞
    ProblemType("other", _("Something else"), "❓", "0199"),  # 市容环境其他
)

BY_KEY = {t.key: t for t in PROBLEM_TYPES}
