"""The CLI's records: one result per image, resume keys, progress and output formats."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from langchain_gravix_vision.images._sources import source_kind


@dataclass
class Record:
    """The outcome for one image, as written to JSON/JSONL output.

    ``command``, ``model``, ``args`` and ``image_sha256`` make the resume key.
    """

    source: str
    status: str
    content: str = ""
    result: dict[str, Any] | None = None
    error: str | None = None
    command: str | None = None
    model: str | None = None
    args: dict[str, Any] | None = None
    image_sha256: str | None = None
    annotated: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (no None fields)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Summary:
    """Counts shown at the end of a run."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    tokens: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        """One human-readable summary line."""
        took = time.monotonic() - self.started
        return (
            f"{self.done} done, {self.failed} failed, {self.skipped} skipped "
            f"(already in output); {self.tokens} tokens; {took:.1f}s"
        )


def image_sha256(source: str) -> str:
    """SHA-256 of a file's bytes; of the text itself for URLs and unreadable paths."""
    digest = hashlib.sha256()
    if source_kind(source) == "path":
        try:
            with Path(source).open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            return digest.hexdigest()
        except OSError:
            pass
    digest.update(source.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def record_key(record: dict[str, Any]) -> str:
    """The resume key: command, image content, arguments and model."""
    return json.dumps(
        [
            record.get("command"),
            record.get("image_sha256"),
            record.get("args"),
            record.get("model"),
        ],
        sort_keys=True,
    )


def read_records(path: str | None) -> list[dict[str, Any]]:
    """The records of an existing JSONL output (cut-off lines are skipped)."""
    if not path or not Path(path).is_file():
        return []
    records = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut off by an interrupted run
            if isinstance(record, dict):
                records.append(record)
    return records


def already_done(path: str | None, output_format: str) -> set[str]:
    """Keys with a successful record in an existing JSONL output (resume)."""
    if output_format != "jsonl":
        return set()
    return {record_key(r) for r in read_records(path) if r.get("status") == "ok"}


def compact(path: str) -> None:
    """Rewrite a JSONL output with one current (latest) record per key."""
    latest: dict[str, dict[str, Any]] = {}
    for number, record in enumerate(read_records(path)):
        # Records from older versions carry no key: each stays as it is.
        key = record_key(record) if "image_sha256" in record else f"old-{number}"
        latest.pop(key, None)  # keep the order in which records became current
        latest[key] = record
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for record in latest.values():
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


class Progress:
    """A one-line progress bar on stderr (never on stdout)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.count, self.enabled = total, 0, enabled and total > 1
        self.pages = 0

    def step(self) -> None:
        """Advance by one image (or document)."""
        self.count += 1
        self._draw()
        if self.enabled and self.count == self.total:
            sys.stderr.write("\n")

    def page(self, _page: object = None) -> None:
        """Count one more PDF page read (the bar shows pages as they finish)."""
        self.pages += 1
        self._draw()

    def _draw(self) -> None:
        if self.enabled:
            filled = int(30 * self.count / self.total)
            bar = "#" * filled + "." * (30 - filled)
            pages = f", pages read: {self.pages}" if self.pages else ""
            sys.stderr.write(f"\r[{bar}] {self.count}/{self.total}{pages}")
            sys.stderr.flush()


class Writer:
    """Writes records in the chosen format: JSONL as they finish, others in order."""

    def __init__(self, stream: IO[str], output_format: str) -> None:
        self.stream, self.format = stream, output_format
        self.pending: dict[int, Record] = {}
        self.next_index = 0
        self.collected: list[dict[str, Any]] = []

    def write(self, record: Record, index: int | None = None) -> None:
        """Write one record; ``index`` is its input position (order kept)."""
        if self.format == "jsonl" or index is None:
            self._emit(record)
            return
        self.pending[index] = record
        while self.next_index in self.pending:
            self._emit(self.pending.pop(self.next_index))
            self.next_index += 1

    def _emit(self, record: Record) -> None:
        if self.format == "jsonl":
            self.stream.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
            self.stream.flush()
        elif self.format == "json":
            self.collected.append(record.to_json())
        elif self.format == "markdown":
            body = (
                record.content
                if record.status == "ok"
                else f"**error:** {record.error}"
            )
            self.stream.write(f"## {record.source}\n\n{body}\n\n")
        else:
            body = record.content if record.status == "ok" else f"error: {record.error}"
            self.stream.write(f"== {record.source}\n{body}\n\n")

    def close(self) -> None:
        """Flush what is left; JSON is written as one array."""
        for index in sorted(self.pending):
            self._emit(self.pending.pop(index))
        if self.format == "json":
            json.dump(self.collected, self.stream, indent=2, ensure_ascii=False)
            self.stream.write("\n")


__all__ = [
    "Progress",
    "Record",
    "Summary",
    "Writer",
    "already_done",
    "compact",
    "image_sha256",
    "read_records",
    "record_key",
]
