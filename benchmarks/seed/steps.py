"""The built-in seed steps, in run order.

Importing a module registers its steps. People (forms_fill) and enterprises
(credit) belong to capabilities that have not landed: they are placeholders that
report "skipped: model not present" until their models exist, and
"skipped: no seed step yet" until the capability ships ``<app>/scale.py``.
"""

from . import placeholder
from . import regions, reference, staff, cases  # noqa: F401,E401  (registration order)
from . import inspections  # noqa: F401

placeholder("people", models=("forms_fill.Person",))
placeholder("enterprises", models=("credit.Enterprise",))
