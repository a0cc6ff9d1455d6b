"""``gravix-vision``: the command line (entry point ``main``).

Modules: ``_main`` (running the tool subcommands over files, folders and
URLs), ``_parser`` (the argument parser), ``_output`` (records, resume,
progress), ``doctor`` and ``_doctor_probes`` (``gravix-vision doctor``). The
``mcp`` subcommand is ``langchain_gravix_vision.mcp``.

Example:
    >>> from langchain_gravix_vision.cli import main
    >>> main(["--version"])  # doctest: +SKIP
"""

from langchain_gravix_vision.cli._main import main

__all__ = ["main"]
