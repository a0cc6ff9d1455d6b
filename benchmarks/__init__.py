"""Benchmarks for langchain-gravix-vision: run ``python benchmarks/run.py``.

Each section measures one figure against a baseline taken in the same run and
returns a :class:`benchmarks._common.Section`; ``run.py`` renders them all into
``benchmarks/RESULTS.md`` (``--smoke`` prints a tiny run and writes nothing in
the repository).
"""
