"""Which modules a file imports (initstudy.util.imports): the rules' declared inputs rest on it."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from backends import NOT_PINNED, NUMBA_PINNED

from initstudy.util.imports import ImportGraph, import_closure, imported_modules

# One import in each kind of block a statement can sit in, and names that only look like
# imports: in a string, a comment and an expression.
NESTED = """
    '''from docstring import nothing'''
    import a
    x = "import in_a_string"  # import in_a_comment
    def f():
        import b
        class C:
            def g(self):
                from c import d
    try:
        import e
    except ImportError:
        import f2
    else:
        import g
    finally:
        import h
    with x:
        import i
    for _ in y:
        import j
    else:
        import k
    while z:
        import l
    match q:
        case 1:
            import m
    if w:
        import n
    elif v:
        import o
    else:
        import p
    async def h2():
        async with u:
            import r
        async for _ in t:
            import s
    try:
        pass
    except* ValueError:
        import tt
    lambda: __import__("dynamic")
"""


def test_imports_are_found_in_every_kind_of_block_and_nowhere_else(tmp_path):
    module = tmp_path / "nested.py"
    module.write_text(textwrap.dedent(NESTED))
    assert imported_modules(module) == {*"a b c c.d e f2 g h i j k l m n o p r s tt".split()}


def test_one_graph_gives_each_script_the_closure_it_gives_alone(tmp_path):
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "template.j2").write_text("{{ x }}")
    (package / "base.py").write_text("import numpy\n")
    (package / "top.py").write_text("from pkg import base\n")
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "one.py").write_text("import pkg.top\n")
    (scripts / "two.py").write_text("from pkg.base import numpy\nimport os\n")
    roots = [scripts, tmp_path / "src"]
    graph = ImportGraph(roots)
    for script in ("one.py", "two.py", "one.py"):
        assert graph.closure(scripts / script) == import_closure(scripts / script, roots)
    assert graph.closure(scripts / "one.py") == sorted(
        [package / "__init__.py", package / "template.j2", package / "base.py", package / "top.py"]
    )
    assert graph.closure(scripts / "two.py") == sorted(
        [package / "__init__.py", package / "template.j2", package / "base.py"]
    )


@pytest.mark.parametrize(
    ("modules", "absent"),
    [
        # The aggregation and the depth study's jobs import the trainer's modules but never
        # train with numba: importing numba would cost each about 0.2 s of CPU.
        ("initstudy.model.train, initstudy.model.net", "numba"),
        # A table page's job: pandas would be most of its CPU time.
        ("initstudy.report.publish", "pandas"),
        # Every job imports the package; its version is looked up only when asked for.
        ("initstudy", "importlib.metadata"),
    ],
)
def test_a_jobs_modules_load_no_library_it_does_not_use(modules, absent):
    code = f"import sys, {modules}; print({absent!r} in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "False"


@pytest.mark.skipif(not NUMBA_PINNED, reason=NOT_PINNED)
def test_the_numba_backend_imports_numba_when_it_first_trains():
    code = (
        "import sys; from initstudy.model.net import compile_numba_kernels as c; "
        "before = 'numba' in sys.modules; c(('forward',)); print(before, 'numba' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False", "True"]
