"""Compile one numba kernel (wildcards.kernel: forward or run) into numba's cache.

Nothing to do where numba is not installed (the NumPy backend).
"""

from common import finish, start_log

from initstudy.model.net import compile_numba_kernels
from initstudy.util.atomic import write_text_atomic

smk = snakemake  # noqa: F821
log = start_log(smk)
kernel = smk.wildcards.kernel
if compile_numba_kernels((kernel,)):
    import numba

    text = f"backend numba {numba.__version__}: kernel {kernel} compiled and cached\n"
else:
    text = "backend numpy: numba is not installed, nothing to compile\n"
log.info(text.strip())
write_text_atomic(smk.output[0], text)
finish(log)
