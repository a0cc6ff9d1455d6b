"""Resuming over an existing output: an anti-join on the resume key.

``done_keys`` reads only the ``key`` and ``ok`` columns of the Parquet files
in an output folder; the stage skips every input whose key already has a
successful row (failures are tried again). A file cut off by a stopped run
(no Parquet footer) is skipped, so its rows are simply done again.

Why not ``ray.data.checkpoint.CheckpointConfig``: it saves per block (small
inputs are saved late unless repartitioned), keys on a column the input must
already carry (ours is computed from the image's bytes) and a resumed run
hung on a 2-CPU machine. The anti-join needs nothing from Ray but the output.
"""

from __future__ import annotations

from typing import Any

from langchain_gravix_vision.ray._requires import require_pyarrow


def _files(path: str, filesystem: Any) -> tuple[list[str], Any]:
    """The Parquet files under ``path`` and the filesystem to read them with."""
    require_pyarrow()
    import pyarrow.fs as pafs  # optional dependency: the ray extra (pyarrow)

    if filesystem is None:
        filesystem, path = (
            pafs.FileSystem.from_uri(path)
            if "://" in path
            else (
                pafs.LocalFileSystem(),
                path,
            )
        )
    info = filesystem.get_file_info(path)
    if info.type == pafs.FileType.NotFound:
        return [], filesystem
    if info.type == pafs.FileType.File:
        return [path], filesystem
    found = filesystem.get_file_info(pafs.FileSelector(path, recursive=True))
    names = sorted(
        f.path
        for f in found
        if f.type == pafs.FileType.File and f.path.endswith(".parquet")
    )
    return names, filesystem


def read_output(
    path: str, filesystem: Any = None, columns: list[str] | None = None
) -> Any:
    """Every readable Parquet file under ``path`` as one ``pyarrow.Table``."""
    pa = require_pyarrow()
    import pyarrow.parquet as pq  # optional dependency: the ray extra (pyarrow)

    from langchain_gravix_vision.ray._schema import output_schema

    schema = output_schema()
    if columns:
        schema = pa.schema([schema.field(c) for c in columns])
    names, fs = _files(path, filesystem)
    tables = []
    for name in names:
        try:
            tables.append(pq.read_table(name, filesystem=fs, columns=columns))
        except (OSError, pa.ArrowInvalid):  # cut off by a stopped run
            continue
    if not tables:
        return schema.empty_table()
    return pa.concat_tables([t.cast(schema) for t in tables])


def done_keys(path: str, filesystem: Any = None) -> frozenset[str]:
    """The keys with a successful row in the output at ``path`` (none if absent)."""
    table = read_output(path, filesystem, columns=["key", "ok"])
    keys = table.column("key").to_pylist()
    oks = table.column("ok").to_pylist()
    return frozenset(k for k, ok in zip(keys, oks, strict=True) if ok and k)


def read_results(path: str, filesystem: Any = None) -> Any:
    """The output at ``path``, one row per key: its success, else its last failure.

    A failure tried again on a resumed run leaves two rows in the folder;
    this keeps the one that counts.
    """
    pa = require_pyarrow()
    table = read_output(path, filesystem)
    best: dict[str, int] = {}
    keys, oks = table.column("key").to_pylist(), table.column("ok").to_pylist()
    keyless = []  # rows that had no image: each one kept
    for index, (key, ok) in enumerate(zip(keys, oks, strict=True)):
        old = best.get(key)
        if not key:
            keyless.append(index)
        elif old is None or ok or not oks[old]:
            best[key] = index  # a success, or a later failure of a failed key
    kept = sorted([*best.values(), *keyless])
    return table.take(pa.array(kept, type=pa.int64()))


__all__ = ["done_keys", "read_output", "read_results"]
