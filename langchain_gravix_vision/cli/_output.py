"""The CLI's records: one result per image, resume keys, progress and output formats."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from langchain_gravix_vision._keys import image_sha256, resume_key


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
    reused: int = 0
    tokens: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        """One human-readable summary line."""
        took = time.monotonic() - self.started
        reused = (
            f", {self.reused} reused (the same image done under another name)"
            if self.reused
            else ""
        )
        return (
            f"{self.done} done, {self.failed} failed, {self.skipped} skipped "
            f"(already in output){reused}; {self.tokens} tokens; {took:.1f}s"
        )


def _key(record: dict[str, Any], what: str) -> str:
    """The job (command, arguments, model) and ``what`` of a record, as one key."""
    parts = [record.get(name) for name in ("command", what, "args", "model")]
    return json.dumps(parts, sort_keys=True)


def record_key(record: dict[str, Any]) -> str:
    """The resume key: command, image content, arguments and model."""
    return resume_key(
        *(record.get(n) for n in ("command", "image_sha256", "args", "model"))
    )


def input_key(record: dict[str, Any]) -> str:
    """Which input a record is for: the source as given, with its job.

    Command, source, arguments and model: the same input with other bytes
    behind it is the same input (its record is replaced), another name for
    the same bytes is another input (its record is copied, ``reused``).
    """
    return _key(record, "source")


class NotJsonl(ValueError):
    """An existing output file that is not this CLI's JSONL."""


def read_records(path: str | None) -> list[dict[str, Any]]:
    """The records of an existing JSONL output.

    A record cut off by a run killed mid-write (a ``{`` line that does not
    parse, or a last line without its newline) is skipped.

    Raises:
        NotJsonl: A complete line is not a JSON record with a source and a
            status (another program's file, or another format).
    """
    if not path or not Path(path).is_file():
        return []
    records = []
    with Path(path).open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            try:
                record = json.loads(line)
            except ValueError:
                if line.startswith("{") or not line.endswith("\n"):
                    continue  # a record cut off by an interrupted run
                record = None
            if not line.strip() and line.endswith("\n"):
                continue
            if not (
                isinstance(record, dict) and "source" in record and "status" in record
            ):
                msg = (
                    f"line {number} of {Path(path).name!r} is not a gravix-vision"
                    " JSONL record; write to a new file or remove it first"
                )
                raise NotJsonl(msg)
            records.append(record)
    return records


@dataclass
class Done:
    """What an existing JSONL output already holds, for resuming a run."""

    by_content: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The latest successful record of each content key (``record_key``)."""
    current: set[tuple[str, str]] = field(default_factory=set)
    """(input key, content key) of each successful record."""

    @classmethod
    def read(cls, path: str | None, output_format: str) -> Done:
        """Read ``path`` when resuming (``--format jsonl``), else nothing."""
        done = cls()
        if output_format != "jsonl":
            return done
        for record in read_records(path):
            if record.get("status") == "ok":
                done.by_content[record_key(record)] = record
                done.current.add((input_key(record), record_key(record)))
        return done

    def reusable(self, stub: Record) -> Record | None:
        """The record of the same bytes and job under another name, renamed."""
        found = self.by_content.get(record_key(stub.to_json()))
        if found is None:
            return None
        fields = {k: v for k, v in found.items() if k in Record.__dataclass_fields__}
        return Record(**{**fields, "source": stub.source, "annotated": None})

    def has(self, stub: Record) -> bool:
        """Whether this very input already has its current successful record."""
        record = stub.to_json()
        return (input_key(record), record_key(record)) in self.current


def compact(path: str, inputs: set[str]) -> None:
    """Keep one current (latest) record per input of this run (``input_key``).

    Records of other inputs stay as they are, in their order.
    """
    records = read_records(path)
    last = {input_key(r): n for n, r in enumerate(records) if input_key(r) in inputs}
    kept = [
        r
        for n, r in enumerate(records)
        if input_key(r) not in inputs or last[input_key(r)] == n
    ]
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for record in kept:
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
    "Done",
    "NotJsonl",
    "Progress",
    "Record",
    "Summary",
    "Writer",
    "compact",
    "image_sha256",
    "input_key",
    "read_records",
    "record_key",
]
