"""A driver for the stop-and-resume test: the same job, in its own process.

``python -m tests.ray_stage._driver ADDRESS BASE_URL OUT IMAGES...`` joins the
test's Ray (``ADDRESS``) and writes the stage's rows into the Parquet folder
``OUT``, resuming over what is there; the test kills it halfway.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import ray

from langchain_gravix_vision.ray import vision_map

RATE_PER_MINUTE = 1200
BLOCKS = 20


def job(out: str, images: list[str], base_url: str, api_key: str) -> Any:
    """The dataset that writes ``images``' rows (the same in both runs)."""
    rows = [{"path": p, "q": f"ROW{i}Q"} for i, p in enumerate(images)]
    ds = ray.data.from_items(rows, override_num_blocks=BLOCKS)
    return vision_map(
        ds,
        "describe",
        workers=2,
        rate_limit=RATE_PER_MINUTE,
        batch_size=4,
        arg_columns={"question": "q"},
        base_url=base_url,
        api_key=api_key,
        max_in_flight=4,
        resume_from=out,
    )


def main(argv: list[str]) -> None:
    address, base_url, out, *images = argv
    ray.init(address=address, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    job(out, images, base_url, os.environ["RAY_STAGE_TEST_KEY"]).write_parquet(out)


if __name__ == "__main__":
    main(sys.argv[1:])
