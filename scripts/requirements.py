"""Print the pinned requirements from pyproject.toml (runtime + test extras), one per line.

pyproject.toml is the single source of truth; the Makefile feeds this to pip.
"""

import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["test"]:
    print(requirement)
