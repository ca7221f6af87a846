"""Where the package and the repository live, computed once so that modules at any depth agree.

``REPO_DIR`` holds ``corpus/``, ``annotations/`` and ``models/``; it is the repository of an
editable install (the way govnews is installed and run, see README).
"""
from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
