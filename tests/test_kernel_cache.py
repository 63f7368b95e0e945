"""numba's cache of the kernels goes stale with an edit to any kernel module.

Two tiny modules compiled in subprocesses through numba's real on-disk cache: a cached
function calls one from a second module, whose source is then edited. Named like the
kernel modules (``kernel_numba*.py``), the next process runs the edited code; named
otherwise (numba's own locators, the control), it keeps running the cached old code.
"""

import os
import subprocess
import sys

import pytest
from backends import NOT_PINNED, NUMBA_PINNED
from conftest import REPO

pytestmark = pytest.mark.skipif(not NUMBA_PINNED, reason=NOT_PINNED)

CALLER = """\
import numba
from initstudy.model.kernel_numba_cache import cache_with_all_sources
cache_with_all_sources()
from {callee} import twice

@numba.jit(nopython=True, cache=True)
def caller(x):
    return twice(x) + 1.0

print(caller(1.0), len(caller.stats.cache_hits))
"""
CALLEE = """\
import numba

@numba.jit(nopython=True, cache=True)
def twice(x):
    return x * {factor}
"""


def _run(folder, module, cache_dir):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(REPO / "src")])}
    env.pop("NUMBA_CACHE_DIR", None)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    done = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=folder, env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    value, hits = done.stdout.split()
    return float(value), int(hits)


@pytest.mark.parametrize("where", ["__pycache__", "NUMBA_CACHE_DIR"])
def test_an_edit_to_a_kernel_module_recompiles_the_kernels_that_use_it(tmp_path, where):
    cache_dir = tmp_path / "cache" if where == "NUMBA_CACHE_DIR" else None
    results = {}
    for prefix in ("kernel_numba", "other"):
        caller, callee = f"{prefix}_caller", f"{prefix}_callee"
        (tmp_path / f"{caller}.py").write_text(CALLER.format(callee=callee))
        (tmp_path / f"{callee}.py").write_text(CALLEE.format(factor=2.0))
        first, second = (_run(tmp_path, caller, cache_dir) for _ in range(2))
        (tmp_path / f"{callee}.py").write_text(CALLEE.format(factor=3.0))
        results[prefix] = (first, second, _run(tmp_path, caller, cache_dir))
    # Compiled, then loaded from the cache; after the edit, the new code.
    assert results["kernel_numba"] == ((3.0, 0), (3.0, 1), (4.0, 0))
    # The control: numba's own stamp misses the edit (the defect the locators remove).
    assert results["other"] == ((3.0, 0), (3.0, 1), (3.0, 1))


def test_the_stamp_covers_every_kernel_module_and_llvms_options(tmp_path):
    from initstudy.model import kernel_numba_cache
    from initstudy.model.kernel_numba_build import VECTORIZER_OPTIONS

    for name, text in (("kernel_numba_a.py", "a = 1\n"), ("kernel_numba_b.py", "b = 1\n"),
                       ("unrelated.py", "c = 1\n")):  # fmt: skip
        (tmp_path / name).write_text(text)
    stamp = kernel_numba_cache.kernel_sources_stamp(str(tmp_path / "kernel_numba_a.py"))
    assert stamp[0] == VECTORIZER_OPTIONS
    assert [name for name, _ in stamp[1]] == ["kernel_numba_a.py", "kernel_numba_b.py"]
    (tmp_path / "kernel_numba_b.py").write_text("b = 2\n")
    assert kernel_numba_cache.kernel_sources_stamp(str(tmp_path / "kernel_numba_a.py")) != stamp
    (tmp_path / "unrelated.py").write_text("c = 2\n")
    after = kernel_numba_cache.kernel_sources_stamp(str(tmp_path / "kernel_numba_a.py"))
    assert after == kernel_numba_cache.kernel_sources_stamp(str(tmp_path / "kernel_numba_b.py"))
