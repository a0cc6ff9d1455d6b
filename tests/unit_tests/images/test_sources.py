"""Sources: local paths under the path policy, bytes, file objects, PIL, data URLs."""

from __future__ import annotations

import base64
import io
import os
import stat
from pathlib import Path

import pytest
from PIL import Image

from langchain_gravix_vision.errors import (
    ImageNotFound,
    ImageSourceNotAllowed,
    ImageTooLarge,
    InvalidImageData,
)
from langchain_gravix_vision.images import ImagePolicy, _data_urls, _paths
from langchain_gravix_vision.images._paths import read_path
from langchain_gravix_vision.images._raw import sniff_mime_type
from langchain_gravix_vision.inputs import load_image

from ._imaging import png_bytes


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """root/ (allowed) with cat.png, and outside/ with secret.png."""
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "cat.png").write_bytes(png_bytes((64, 48)))
    (outside / "secret.png").write_bytes(png_bytes((10, 10), "blue"))
    return {"tmp": tmp_path, "root": root, "outside": outside}


def _no_abs_path(
    exc: pytest.ExceptionInfo[Exception], tmp: Path, given: str = ""
) -> None:
    """The message names no path but the one given (never what it resolves to)."""
    message = str(exc.value)
    if given:
        assert given in message, "the path as the caller gave it"
        message = message.replace(given, "<given>")
    assert str(tmp) not in message
    assert os.path.realpath(tmp) not in message


# --------------------------------------------------------------------------
# Paths


def test_path_inside_root_is_loaded(layout: dict[str, Path]) -> None:
    policy = ImagePolicy(allowed_roots=(layout["root"],))
    image = load_image(layout["root"] / "cat.png", policy=policy)
    assert image.original_size == (64, 48)
    assert image.source_format == "PNG"


def test_relative_path_under_cwd_is_the_default(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(layout["root"])
    assert load_image("cat.png").sent_size == (64, 48)


def test_path_outside_root_is_refused(layout: dict[str, Path]) -> None:
    policy = ImagePolicy(allowed_roots=(layout["root"],))
    given = str(layout["outside"] / "secret.png")
    with pytest.raises(ImageSourceNotAllowed, match="outside the allowed") as exc:
        load_image(given, policy=policy)
    _no_abs_path(exc, layout["tmp"], given)
    assert "ImagePolicy.allowed_roots" in str(exc.value)  # the Python setting


def test_dot_dot_traversal_is_refused(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(layout["root"])
    with pytest.raises(ImageSourceNotAllowed, match="outside") as exc:
        load_image("../outside/secret.png")
    _no_abs_path(exc, layout["tmp"])
    assert "../outside/secret.png" in str(exc.value)


def test_symlink_escaping_the_root_is_refused(layout: dict[str, Path]) -> None:
    link = layout["root"] / "innocent.png"
    link.symlink_to(layout["outside"] / "secret.png")
    policy = ImagePolicy(allowed_roots=(layout["root"],))
    with pytest.raises(ImageSourceNotAllowed, match="outside"):
        load_image(link, policy=policy)


def test_symlink_staying_inside_the_root_is_allowed(layout: dict[str, Path]) -> None:
    link = layout["root"] / "alias.png"
    link.symlink_to(layout["root"] / "cat.png")
    policy = ImagePolicy(allowed_roots=(layout["root"],))
    assert load_image(link, policy=policy).original_size == (64, 48)


def test_hard_link_inside_root_is_allowed(layout: dict[str, Path]) -> None:
    # A hard link IS a file inside the root (same inode, no path outside to
    # resolve to); the path policy confines names, not inodes. Documented.
    link = layout["root"] / "hard.png"
    os.link(layout["outside"] / "secret.png", link)
    policy = ImagePolicy(allowed_roots=(layout["root"],))
    assert load_image(link, policy=policy).original_size == (10, 10)


def test_directory_is_refused(layout: dict[str, Path]) -> None:
    (layout["root"] / "folder.png").mkdir()
    policy = ImagePolicy(allowed_roots=(layout["root"],))
    with pytest.raises(ImageSourceNotAllowed, match="a directory"):
        load_image(layout["root"] / "folder.png", policy=policy)


@pytest.mark.timeout(20)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_is_refused_without_hanging(layout: dict[str, Path]) -> None:
    fifo = layout["root"] / "pipe.png"
    os.mkfifo(fifo)
    policy = ImagePolicy(allowed_roots=(layout["root"],))
    with pytest.raises(ImageSourceNotAllowed, match="a FIFO"):
        load_image(fifo, policy=policy)


@pytest.mark.timeout(20)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_fifo_swapped_in_after_the_stat_check_cannot_hang(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Race: stat saw a regular file, open finds a FIFO. O_NONBLOCK + fstat."""
    fifo = layout["root"] / "race.png"
    os.mkfifo(fifo)
    real_stat = os.stat
    regular = real_stat(layout["root"] / "cat.png")

    def fake_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        # The jailed walk stats each component relative to its directory.
        if os.fspath(path) in (os.path.realpath(fifo), fifo.name):  # type: ignore[arg-type]
            return regular
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_paths.os, "stat", fake_stat)
    with pytest.raises(ImageSourceNotAllowed, match="changed while"):
        read_path(str(fifo), ImagePolicy(allowed_roots=(layout["root"],)))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_dev_zero_is_refused() -> None:
    with pytest.raises(ImageSourceNotAllowed, match="outside"):
        load_image("/dev/zero")
    with pytest.raises(ImageSourceNotAllowed, match="a device"):
        load_image("/dev/zero", policy=ImagePolicy(allow_any_path=True))
    assert stat.S_ISCHR(os.stat("/dev/zero").st_mode)


def test_allow_any_path_is_an_explicit_opt_in(layout: dict[str, Path]) -> None:
    secret = layout["outside"] / "secret.png"
    with pytest.raises(ImageSourceNotAllowed):
        load_image(secret, policy=ImagePolicy(allowed_roots=(layout["root"],)))
    assert load_image(secret, policy=ImagePolicy(allow_any_path=True)).frames == 1


def test_tilde_is_not_expanded(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = layout["tmp"] / "home"
    home.mkdir()
    (home / "x.png").write_bytes(png_bytes())
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(layout["root"])
    for policy in (ImagePolicy(), ImagePolicy(allow_any_path=True)):
        with pytest.raises(ImageSourceNotAllowed, match="not expanded") as exc:
            load_image("~/x.png", policy=policy)
        _no_abs_path(exc, layout["tmp"])


def test_missing_file_message_names_the_path_as_given(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = ImagePolicy(allowed_roots=(layout["root"],))
    given = str(layout["root"] / "nope.png")
    with pytest.raises(ImageSourceNotAllowed, match="not found") as exc:
        load_image(given, policy=policy)
    _no_abs_path(exc, layout["tmp"], given)
    assert isinstance(exc.value, ImageNotFound)
    assert exc.value.code == "not_found"
    # A relative path: as given, and where it was looked for (not the cwd itself).
    monkeypatch.chdir(layout["root"])
    with pytest.raises(ImageNotFound) as exc:
        load_image("photos/cat.jpg", policy=policy)
    assert str(exc.value).startswith("photos/cat.jpg was not found")
    assert "working directory" in str(exc.value)
    _no_abs_path(exc, layout["tmp"], "photos/cat.jpg")


def test_a_path_is_shown_escaped_and_long_ones_keep_both_ends(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(layout["root"])
    with pytest.raises(ImageNotFound) as exc:
        load_image("photos/cat\n\x1b[31m.jpg")
    assert str(exc.value).startswith("photos/cat\\n\\x1b[31m.jpg was not found")
    long = "albums/" + "/".join(["holiday-2024"] * 12) + "/cat.jpg"
    with pytest.raises(ImageNotFound) as exc:
        load_image(long)
    shown = str(exc.value).split(" was not found")[0]
    assert shown.startswith("albums/holiday-2024")
    assert shown.endswith("/cat.jpg")
    assert "…" in shown
    assert len(shown) <= 80


def test_a_link_out_of_the_root_is_named_as_given_never_by_its_target(
    layout: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    (layout["root"] / "link.png").symlink_to(layout["outside"] / "secret.png")
    monkeypatch.chdir(layout["root"])
    with pytest.raises(ImageSourceNotAllowed, match="outside") as exc:
        load_image("link.png")
    assert "secret" not in str(exc.value)
    _no_abs_path(exc, layout["tmp"], "link.png")


def test_nul_byte_in_path_is_refused() -> None:
    with pytest.raises(ImageSourceNotAllowed, match="NUL"):
        load_image("cat\x00.png")


def test_oversize_file_is_refused_before_reading(layout: dict[str, Path]) -> None:
    policy = ImagePolicy(allowed_roots=(layout["root"],), max_source_bytes=100)
    with pytest.raises(ImageTooLarge, match="max_source_bytes"):
        load_image(layout["root"] / "cat.png", policy=policy)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file:/etc/passwd",
        "ftp://example.com/cat.png",
        "gopher://example.com/1",
        "dict://127.0.0.1:11211/",
    ],
)
def test_other_schemes_are_refused(url: str, socket_disabled: None) -> None:
    with pytest.raises(ImageSourceNotAllowed, match="scheme"):
        load_image(url)


def test_url_mode_deny_refuses_urls(socket_disabled: None) -> None:
    with pytest.raises(ImageSourceNotAllowed, match="url_mode='deny'"):
        load_image("https://example.com/cat.png", policy=ImagePolicy(url_mode="deny"))


# --------------------------------------------------------------------------
# In-memory sources


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_bytes_like_sources(wrap: type) -> None:
    image = load_image(wrap(png_bytes((30, 20))))
    assert image.original_size == (30, 20)
    assert image.source_bytes == len(png_bytes((30, 20)))


def test_oversize_bytes_are_refused() -> None:
    with pytest.raises(ImageTooLarge):
        load_image(png_bytes(), policy=ImagePolicy(max_source_bytes=10))


def test_binary_file_objects(layout: dict[str, Path]) -> None:
    assert load_image(io.BytesIO(png_bytes((30, 20)))).sent_size == (30, 20)
    with open(layout["root"] / "cat.png", "rb") as file:
        assert load_image(file).original_size == (64, 48)


def test_text_mode_file_object_is_refused(layout: dict[str, Path]) -> None:
    (layout["root"] / "notes.txt").write_text("hello")
    with (
        open(layout["root"] / "notes.txt", encoding="utf-8") as file,
        pytest.raises(InvalidImageData, match="'rb'"),
    ):
        load_image(file)  # type: ignore[arg-type]


def test_file_object_read_is_capped() -> None:
    class Tracking(io.BytesIO):
        requested: list[int] = []

        def read(self, size: int | None = -1, /) -> bytes:
            self.requested.append(-1 if size is None else size)
            return super().read(size)

    with pytest.raises(ImageTooLarge):
        load_image(Tracking(b"\0" * 500), policy=ImagePolicy(max_source_bytes=100))
    assert Tracking.requested == [101]


def test_pil_image_source_is_not_mutated() -> None:
    original = Image.new("RGBA", (3000, 100), (0, 0, 0, 0))
    image = load_image(original)
    assert image.source_format == "PIL"
    assert image.sent_size == (1536, 51)
    assert (original.mode, original.size) == ("RGBA", (3000, 100))


def test_unsupported_source_type_is_refused() -> None:
    with pytest.raises(InvalidImageData, match="unsupported image source type"):
        load_image(12345)  # type: ignore[arg-type]


def test_empty_string_is_refused() -> None:
    with pytest.raises(InvalidImageData, match="empty"):
        load_image("  ")


# --------------------------------------------------------------------------
# Data URLs and base64


def _data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def test_data_url_is_decoded() -> None:
    image = load_image(_data_url(png_bytes((30, 20))))
    assert image.original_size == (30, 20)


def test_data_url_with_line_breaks_and_no_mime() -> None:
    encoded = base64.encodebytes(png_bytes((30, 20))).decode()
    assert "\n" in encoded
    assert load_image("data:;base64," + encoded).sent_size == (30, 20)


def test_data_url_mime_alias_is_accepted() -> None:
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, "JPEG")
    assert load_image(_data_url(jpeg.getvalue(), "image/jpg")).source_format == "JPEG"


@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64,iVBORw0KGgo*&^%",
        "data:image/png;base64,iVBORw0KGgo",
        "data:image/png;base64,ünïcode",
    ],
)
def test_bad_base64_is_invalid(url: str) -> None:
    with pytest.raises(InvalidImageData, match="base64"):
        load_image(url)


def test_data_url_that_is_not_base64_is_invalid() -> None:
    with pytest.raises(InvalidImageData, match="not base64"):
        load_image("data:image/svg+xml,<svg></svg>")


def test_data_url_mime_lie_is_invalid() -> None:
    with pytest.raises(InvalidImageData, match="declared as 'image/jpeg'"):
        load_image(_data_url(png_bytes(), "image/jpeg"))
    with pytest.raises(InvalidImageData, match="declared as 'text/html'"):
        load_image(_data_url(png_bytes(), "text/html"))


def test_oversize_base64_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_decode(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("decoded before the size check")

    monkeypatch.setattr(_data_urls.base64, "b64decode", must_not_decode)
    policy = ImagePolicy(max_source_bytes=1000)
    with pytest.raises(ImageTooLarge, match="max_source_bytes"):
        load_image("data:image/png;base64," + "A" * 4000, policy=policy)
    with pytest.raises(ImageTooLarge):  # absurdly long, even with whitespace
        load_image("data:image/png;base64," + "A \n" * 100_000, policy=policy)


def test_huge_input_is_not_echoed_in_errors() -> None:
    with pytest.raises(InvalidImageData, match="media type") as exc:
        load_image("data:" + "x" * 10_000 + ";base64,AAAA")
    assert len(str(exc.value)) < 200
    with pytest.raises(InvalidImageData, match="not base64") as exc:
        load_image("data:image/png," + "x" * 10_000)
    assert len(str(exc.value)) < 200
    with pytest.raises(ImageSourceNotAllowed) as exc:
        load_image("y" * 5000 + ".png")
    assert len(str(exc.value)) < 200


def test_sniff_mime_type_reads_magic_bytes() -> None:
    assert sniff_mime_type(png_bytes()) == "image/png"
    assert sniff_mime_type(b"GIF89a....") == "image/gif"
    assert sniff_mime_type(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff_mime_type(b"<!doctype html>") == "application/octet-stream"
