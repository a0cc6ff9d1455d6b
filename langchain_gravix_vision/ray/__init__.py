"""The vision tools as a Ray Data stage (the ``ray`` extra: ``ray[data]>=2.50``).

``VisionStage`` runs any vision tool per row inside ``Dataset.map_batches``
(many requests in flight per worker); ``create_rate_limiter`` starts the named
actor every worker draws from, so one rate limit holds across the cluster;
every row, failed or not, has the fixed schema ``output_schema()``; resuming
skips the inputs whose resume key already has a successful row in the output.
``vision_map`` adds the stage to a dataset; ``run_job`` runs a whole job.
See docs/ray.md.

Example:
    >>> from langchain_gravix_vision.ray import output_schema
    >>> output_schema().names[:3]
    ['key', 'source', 'ok']
"""

from langchain_gravix_vision.ray._requires import require_ray

require_ray()  # the ray extra; a clear ImportError naming it, before anything else

from langchain_gravix_vision.ray._jobs import (  # noqa: E402
    read_inputs,
    run_job,
    vision_map,
)
from langchain_gravix_vision.ray._limiter import (  # noqa: E402
    TokenBucket,
    create_rate_limiter,
    limiter_stats,
)
from langchain_gravix_vision.ray._resume import (  # noqa: E402
    done_keys,
    read_output,
    read_results,
)
from langchain_gravix_vision.ray._schema import COLUMNS, output_schema  # noqa: E402
from langchain_gravix_vision.ray._stage import TOOLS, VisionStage  # noqa: E402

__all__ = [
    "COLUMNS",
    "TOOLS",
    "TokenBucket",
    "VisionStage",
    "create_rate_limiter",
    "done_keys",
    "limiter_stats",
    "output_schema",
    "read_inputs",
    "read_output",
    "read_results",
    "run_job",
    "vision_map",
]
