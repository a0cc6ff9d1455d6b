"""``--engine ray``: a tool subcommand as a Ray Data job, into a Parquet folder.

``gravix-vision describe photos/ --engine ray --output out.parquet`` runs the
``ray`` extra's stage (``langchain_gravix_vision.ray``) on a local Ray, or on
the cluster at ``--address``, with Ray's own progress bars. Rerunning the same
command skips every input whose resume key (command, image content, arguments,
model: the key of JSONL resume) has a successful row in the output.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from pydantic import SecretStr

from langchain_gravix_vision import _tool_options
from langchain_gravix_vision.chat_models import API_KEY_ENV, BASE_URL_ENV


def stage_settings(args: argparse.Namespace, task: dict[str, Any]) -> dict[str, Any]:
    """``VisionStage``'s settings for a parsed command line.

    The key and the base URL go to the workers as settings, so a cluster's
    workers need neither from their own environment.
    """
    settings: dict[str, Any] = {
        "args": task,
        "model": args.model,
        "max_in_flight": args.concurrency,
        "detail": getattr(args, "detail", None),
        "tool_kwargs": _tool_options.tool_options(args),
        "key_extra": _tool_options.record_options(args),
    }
    base_url = getattr(args, "base_url", None) or os.environ.get(BASE_URL_ENV)
    if base_url:
        settings["base_url"] = base_url
    key = os.environ.get(API_KEY_ENV)
    if key:
        settings["api_key"] = SecretStr(key)
    return settings


def refusal(args: argparse.Namespace) -> str | None:
    """Why this command line cannot run on Ray (None when it can)."""
    if not args.output:
        return "--engine ray needs --output (a Parquet folder, e.g. out.parquet)"
    if getattr(args, "annotate", None):
        return "--annotate is not available with --engine ray"
    if args.format not in ("text", "jsonl"):
        return "--engine ray writes Parquet; leave out --format"
    return None


def run(args: argparse.Namespace, sources: list[str], task: dict[str, Any]) -> int:
    """Run the job; print the summary line. Exit status as the local engine's."""
    try:
        import ray  # optional dependency: the ray extra

        from langchain_gravix_vision import ray as stage  # optional: the ray extra
    except ImportError as exc:
        sys.stderr.write(f"gravix-vision: {exc}.\n")
        return 2
    init: dict[str, Any] = {"log_to_driver": True}
    if args.address:
        init["address"] = args.address
    else:
        init["include_dashboard"] = False
    ray.init(**init)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = not args.no_progress
        counts = stage.run_job(
            sources,
            args.output,
            args.tool_class,
            stage=stage_settings(args, task),
            workers=args.workers,
            rate_limit=args.rate_limit,
        )
    finally:
        ray.shutdown()
    sys.stderr.write(
        f"{counts['ok']} done, {counts['failed']} failed in {args.output}"
        f" ({counts['rows']} inputs)\n"
    )
    return 1 if counts["failed"] else 0


__all__ = ["refusal", "run", "stage_settings"]
