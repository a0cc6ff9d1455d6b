"""Driver-side helpers: add the stage to a dataset, read inputs, run a whole job."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_gravix_vision.ray._limiter import create_rate_limiter
from langchain_gravix_vision.ray._requires import require_ray
from langchain_gravix_vision.ray._resume import read_results
from langchain_gravix_vision.ray._stage import VisionStage

OBJECT_STORES = ("s3://", "gs://", "gcs://", "abfs://", "hdfs://")
"""Input prefixes read with ``ray.data.read_binary_files`` (pyarrow filesystems)."""


def vision_map(
    ds: Any,
    tool: str | type = "describe",
    *,
    workers: int = 2,
    rate_limit: float = 100.0,
    batch_size: int = 16,
    num_cpus: float = 0.5,
    **stage_kwargs: Any,
) -> Any:
    """``ds`` with the vision stage added: ``workers`` actors, one cluster rate limit.

    Args:
        ds: A ``ray.data.Dataset`` with an image column (``VisionStage``).
        tool: The tool's subcommand name or class.
        workers: Stage actors (an ``ActorPoolStrategy`` of that size).
        rate_limit: Requests per minute for the whole cluster; 0: no limit.
            100 is the serverless plan's limit.
        batch_size: Rows per batch (each row is its own request).
        num_cpus: CPUs reserved per actor (image preparation; the requests
            only wait): leave some for reading and writing blocks.
        **stage_kwargs: ``VisionStage``'s settings (``args``, ``max_in_flight``,
            ``resume_from``, ...).
    """
    if rate_limit and "rate_limiter" not in stage_kwargs:
        stage_kwargs["rate_limiter"] = create_rate_limiter(rate_limit)
    ray = require_ray()
    return ds.map_batches(
        VisionStage,
        fn_constructor_args=(tool,),
        fn_constructor_kwargs=stage_kwargs,
        compute=ray.data.ActorPoolStrategy(size=workers),
        batch_size=batch_size,
        num_cpus=num_cpus,
    )


def read_inputs(sources: Sequence[str], *, blocks: int | None = None) -> Any:
    """A dataset of images: object-store prefixes read as bytes, the rest by name.

    Paths and URLs become rows ``{"image": source}`` (the workers read them,
    so a path must exist where the workers run); ``s3://``, ``gs://``...
    prefixes are read with ``read_binary_files(include_paths=True)`` (rows
    ``bytes`` and ``path``). One run takes one kind.
    """
    ray = require_ray()
    stored = [s for s in sources if s.startswith(OBJECT_STORES)]
    if stored and len(stored) != len(sources):
        msg = "give either object-store prefixes (s3://, gs://...) or local names"
        raise ValueError(msg)
    if stored:
        return ray.data.read_binary_files(stored, include_paths=True)
    count = blocks or max(1, min(len(sources) // 8, 64))
    rows = [{"image": s} for s in sources]
    return ray.data.from_items(rows, override_num_blocks=count)


def run_job(
    sources: Sequence[str],
    output: str,
    tool: str | type = "describe",
    *,
    stage: Mapping[str, Any] | None = None,
    workers: int = 2,
    rate_limit: float = 100.0,
    resume: bool = True,
    **options: Any,
) -> dict[str, int]:
    """Run ``tool`` over ``sources`` into the Parquet folder ``output``.

    With ``resume`` the inputs already done in ``output`` are skipped (their
    key has a successful row there). Returns the counts of the whole output,
    one row per key (``read_results``): ``{"rows": ..., "ok": ..., "failed": ...}``.
    """
    ds = read_inputs(sources)
    kwargs = dict(stage or {})
    if resume:
        kwargs["resume_from"] = output
    mapped = vision_map(
        ds, tool, workers=workers, rate_limit=rate_limit, **kwargs, **options
    )
    mapped.write_parquet(output)  # streamed: each finished block is kept
    results = read_results(output)
    oks = sum(results.column("ok").to_pylist())
    return {"rows": results.num_rows, "ok": oks, "failed": results.num_rows - oks}


__all__ = ["OBJECT_STORES", "read_inputs", "run_job", "vision_map"]
