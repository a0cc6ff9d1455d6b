"""Replay or record one notebook's cassette (started by cookbook/conftest.py).

Under ``pytest --nbmake`` each kernel runs this before the notebook's first
cell (an IPython startup file, see cookbook/conftest.py); the notebooks
themselves contain no test code. Running a notebook in Jupyter yourself never
touches this: it calls the real Gravix API with your ``GRAVIXLAYER_API_KEY``.

With ``GRAVIX_VCR`` set (``pytest --nbmake`` sets ``replay``), every HTTP call of
the notebook goes through ``cookbook/cassettes/<notebook>.yaml.gz``, with the same
settings as the tests (tests/cassette_setup.py). ``stand-in`` records against the
local stand-in server, whose answers for each notebook are scripted below from
the images' ground truth; ``live`` records against Gravix.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
_open: list[Any] = []
_cassettes: list[Any] = []


def scripted_replies(notebook: str) -> list[Any]:
    """What the stand-in answers, in order, while recording ``notebook``.

    Calls not listed here get the stand-in's default answer.
    """
    from tests.scripted_answers import (
        GROUND_TRUTH,
        chart,
        description,
        json_reply,
        markdown_table,
        moderation,
        photo_located,
        scripted,
        text,
    )
    from tests.stand_in import Reply

    charts, texts = GROUND_TRUTH["charts"], GROUND_TRUTH["texts"]
    photos = "../tests/data/photos"
    if notebook == "01_quickstart":
        return [
            Reply(
                content=scripted(
                    "A vision-language model answers questions about images."
                )
            ),
            Reply(content=scripted("Red, green and blue.")),
            Reply(content=scripted("Hello!")),
            Reply(content=scripted("A tabby cat sitting and looking to the side.")),
        ]
    if notebook == "02_agent_with_vision_tools":
        return [
            Reply(
                tool_calls=[
                    {
                        "name": "describe_image",
                        "arguments": {"image": f"{photos}/chelsea.png"},
                    }
                ]
            ),
            json_reply(description("A tabby cat looking to the side.", ["cat"])),
            Reply(content=scripted("It is a tabby cat.")),
            Reply(
                tool_calls=[
                    {
                        "name": "read_chart",
                        "arguments": {"image": "../tests/data/charts/bar_sales.png"},
                    }
                ]
            ),
            json_reply(chart(charts["bar_sales"])),
            Reply(content=scripted("Revenue was highest in 2022 (31 million USD).")),
            Reply(
                tool_calls=[
                    {
                        "name": "extract_text",
                        "arguments": {"image": "../tests/data/text/receipt.png"},
                    }
                ]
            ),
            json_reply(text(texts["receipt"])),
            Reply(content=scripted("The total is 9.70.")),
            Reply(
                tool_calls=[
                    {
                        "name": "locate_objects",
                        "arguments": {"image": f"{photos}/coffee.png", "query": "cup"},
                    }
                ]
            ),
            json_reply(photo_located("coffee.png", "cup")),
            Reply(
                content=scripted(
                    "The cup is in the middle of the photo, on its saucer."
                )
            ),
        ]
    if notebook == "03_charts_to_tables":
        return [
            json_reply(chart(charts[name]))
            for name in ("bar_sales", "line_temperature", "multi_series")
        ]
    if notebook == "04_ocr_and_documents":
        return [
            json_reply(text(texts["receipt"])),
            json_reply(text(markdown_table(texts["table"]), has_table=True)),
            json_reply(text(texts["receipt"])),
            json_reply(text(texts["injection"])),
        ]
    if notebook == "05_tools_for_other_llms":
        return [json_reply(chart(charts["bar_sales"]))]
    if notebook == "06_locate_objects":
        # Then the synthetic picture: found in the sent pixels (locate_responder).
        return [json_reply(photo_located("coffee.png"))]
    if notebook == "07_pdfs_to_documents":  # the scan's two pages, then the answer
        invoice = (
            "INVOICE 2024-117\nCustomer: Northwind Traders\n"
            "Consulting, 10 days: 1,000.00 EUR\nTravel: 250.00 EUR\n"
            "Total due: 1,250.00 EUR\nPayment within 30 days."
        )
        return [
            json_reply(text(invoice)),
            json_reply(text("Revenue (million USD): 2021 12, 2022 31, 2023 24")),
            Reply(
                content=scripted(
                    "The total is 1,250.00 EUR (scan.pdf, p1), due within"
                    " 30 days (scan.pdf, p1; report.pdf, p1)."
                )
            ),
        ]
    if notebook == "08_extract_invoices":  # the scan, the typed PDF, moderation
        scan = {
            "number": "INVOICE 2024-117",
            "customer": "Northwind Traders",
            "lines": [
                {"description": "Consulting, 10 days", "amount": 1000.0},
                {"description": "Travel", "amount": 250.0},
            ],
            "total": 1250.0,
            "currency": "EUR",
            "due_days": 30,
        }
        typed = {
            "number": "INVOICE 2024-118",
            "customer": "Contoso Ltd",
            "lines": [{"description": "Translation, 12 pages", "amount": 480.0}],
            "total": 480.0,
            "currency": "EUR",
            "due_days": 14,
        }
        sources = dict.fromkeys(typed, 1)
        names = ["sexual", "self-harm", "self-harm/intent", "self-harm/instructions"]
        return [
            json_reply(scan),
            json_reply({"data": typed, "sources": sources}),
            json_reply(moderation([*names, "violence", "violence/graphic"])),
        ]
    if notebook == "09_video_questions":  # the clip's ground truth, then free
        return [
            json_reply(
                {
                    "summary": scripted("A red ball rolls from the left edge to"
                    " the right edge of a blue background."),
                    "events": [
                        {"start": 0.0, "end": 1.9, "description": scripted(
                         "The ball enters on the left and rolls towards the"
                         " centre.")},
                        {"start": 2.0, "end": 4.0, "description": scripted(
                         "The ball rolls on to the right edge.")},
                    ],
                    "objects": ["red ball"],
                    "text_present": [],
                    "answer": scripted("Left to right."),
                }
            )
        ]  # fmt: skip
    return []


def start(notebook: str) -> None:
    """Open ``notebook``'s cassette (no-op unless ``GRAVIX_VCR`` is set)."""
    mode = os.environ.get("GRAVIX_VCR", "").strip().lower()
    if not mode:
        return
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from vcr import VCR

    from tests import cassette_setup
    from tests.scripted_answers import locate_responder
    from tests.stand_in import StandInServer, ollama_from_env

    if mode == "replay":
        os.environ["GRAVIXLAYER_API_KEY"] = cassette_setup.FAKE_API_KEY
        os.environ.pop("GRAVIXLAYER_BASE_URL", None)
    elif mode == "stand-in":
        server = StandInServer(ollama=ollama_from_env()).start()
        server.script_queue(scripted_replies(notebook))
        # Unqueued grounding requests: answered from the sent image's pixels.
        server.script(locate_responder)
        os.environ["GRAVIXLAYER_API_KEY"] = cassette_setup.FAKE_API_KEY
        os.environ["GRAVIXLAYER_BASE_URL"] = server.base_url
        patch = cassette_setup.standard_image_from_fixture()
        patch.__enter__()
        _open.extend([server.stop, lambda: patch.__exit__(None, None, None)])
    config = cassette_setup.vcr_config(HERE / "cassettes")
    repeats = config.pop("allow_playback_repeats")
    vcr = cassette_setup.register(VCR(**config))
    cassette = vcr.use_cassette(notebook, allow_playback_repeats=repeats)
    _cassettes.append(cassette.__enter__())
    _open.insert(0, lambda: cassette.__exit__(None, None, None))


def save(*_args: Any) -> None:
    """Write the cassette so far (recording only; run after every cell)."""
    for cassette in _cassettes:
        if cassette.record_mode != "none":
            cassette._save()


def stop() -> None:
    """Close the cassette (writing it when recording) and the stand-in."""
    while _open:
        _open.pop(0)()
    _cassettes.clear()
