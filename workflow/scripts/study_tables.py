"""The study's tables (``results/metrics``) as the figure and report scripts read them.

Every table is checked whole and plausible (:func:`initstudy.tables.tables.read_table`), with its
columns; ``runs``, ``costs`` and ``summary`` must hold exactly the rows the config asks for
(:func:`initstudy.tables.completeness.study_rows`), and a table without rows is damaged unless the
config says why it has none (:func:`initstudy.tables.plausibility.empty_reason`: a grid of one
initializer compares nothing). Kept apart from ``common.py`` so that the jobs
that do not read these tables (data, training) do not depend on the modules read here.
"""

from initstudy.analysis.analysis import SPEEDUP_COLUMNS
from initstudy.analysis.comparisons import COMPARISON_COLUMNS
from initstudy.analysis.stats import SUMMARY_COLUMNS
from initstudy.tables.completeness import study_rows
from initstudy.tables.plausibility import empty_reason
from initstudy.tables.tables import COST_COLUMNS, RUN_COLUMNS, read_table

#: Columns each table must have, by the name of the rule input it is read from.
COLUMNS = {
    "runs": RUN_COLUMNS,
    "costs": COST_COLUMNS,
    "summary": SUMMARY_COLUMNS,
    "selection": ("init", "scale"),
    "gain": ("init", "scale", "he_equivalent_gain"),
    "comparisons": COMPARISON_COLUMNS,
    "speedups": SPEEDUP_COLUMNS,
}
#: The tables whose every row the config determines.
COMPLETE = ("runs", "costs", "summary")
#: How to rebuild any of them, quoted in the error of a damaged table.
REBUILD = "snakemake --forcerun aggregate"


def read_study_table(snakemake, name: str, config: dict | None = None):
    """Read and check the table of the rule input ``name`` (``runs``, ``summary``, ...).

    Parameters
    ----------
    snakemake : snakemake.script.Snakemake
        The object Snakemake passes to a script.
    name : str
        The input's name, which is the table's (``times`` and others without a key in
        :data:`COLUMNS` are checked for plausibility only).
    config : dict, optional
        The config the expected rows come from (default: the workflow's).

    Returns
    -------
    pandas.DataFrame
    """
    config = snakemake.config if config is None else config
    expected = study_rows(config, name) if name in COMPLETE else None
    return read_table(
        snakemake.input[name],
        COLUMNS.get(name, ()),
        REBUILD,
        expected=expected,
        empty_reason=empty_reason(config, name),
    )
