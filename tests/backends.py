"""The training backends the tests run on.

``requirements.txt`` (what ``make study`` and ``make test`` install) pins numba, so the
compiled kernel is part of the project's install: its backend is in :data:`BACKENDS` whether
or not :mod:`initstudy.model.kernel_numba` imports, and a kernel that fails to import fails the
tests that use it (``batched_mlp(..., "numba")`` raises) instead of being left out. Only
where requirements.txt stops pinning numba is the ``"numba"`` backend left out.
"""

from __future__ import annotations

import re

from conftest import REPO

#: Whether the project's own install (requirements.txt) promises numba.
NUMBA_PINNED = bool(
    re.search(r"^numba==", (REPO / "requirements.txt").read_text(encoding="utf-8"), re.M)
)
BACKENDS = ["numpy", "numba"] if NUMBA_PINNED else ["numpy"]
#: The reason a numba-only test is skipped where numba is not promised.
NOT_PINNED = "requirements.txt does not pin numba"
