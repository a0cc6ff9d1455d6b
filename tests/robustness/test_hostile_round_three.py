"""Hostile inputs, round three: PDF bombs, the path jail, frame counting (issue 24).

Each case ends in a typed error or a correct success. The costly ones run in a
child process under resource limits (``_limits.run_bounded``: 5 s CPU, 900 MB
address space is too blunt for Python, so peak RSS is measured and checked).
Hostile files are built in code, small.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from langchain_gravix_vision import ImagePolicy
from langchain_gravix_vision.errors import GravixVisionError, ImageSourceNotAllowed
from langchain_gravix_vision.images import load_image
from tests.unit_tests.images._imaging import png_bytes

pytestmark = [pytest.mark.timeout(120)]


# --------------------------------------------------------------------------
# 1. The path jail: a directory swapped for a symlink while reading


@pytest.mark.skipif(not hasattr(os, "O_DIRECTORY"), reason="POSIX dir_fd walk")
def test_a_directory_swapped_for_a_symlink_never_reads_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "swapdir").mkdir(parents=True)
    outside.mkdir()
    (root / "swapdir" / "secret.png").write_bytes(png_bytes((10, 10)))
    (outside / "secret.png").write_bytes(png_bytes((20, 20)))
    stop = threading.Event()

    def swap() -> None:  # rename, symlink, back, in a loop
        folder, aside = root / "swapdir", root / "swapdir.real"
        while not stop.is_set():
            os.rename(folder, aside)
            os.symlink(outside, folder)
            os.unlink(folder)
            os.rename(aside, folder)

    monkeypatch.chdir(root)
    policy = ImagePolicy(allowed_roots=(root,))
    sizes: list[tuple[int, int]] = []
    errors: list[GravixVisionError] = []
    attacker = threading.Thread(target=swap)
    attacker.start()
    try:
        for _ in range(1500):
            try:
                image = load_image("swapdir/secret.png", policy=policy)
                sizes.append(image.original_size)
            except GravixVisionError as exc:
                errors.append(exc)
    finally:
        stop.set()
        attacker.join()
    assert (20, 20) not in sizes, f"read outside {sizes.count((20, 20))} times"
    assert all(isinstance(error, ImageSourceNotAllowed) for error in errors)
    shown = [str(error).replace("swapdir/secret.png", "") for error in errors]
    assert not any("/" in text for text in shown)  # no resolved path
    assert load_image("swapdir/secret.png", policy=policy).original_size == (10, 10)


@pytest.mark.skipif(not hasattr(os, "O_DIRECTORY"), reason="POSIX dir_fd walk")
@pytest.mark.parametrize(
    ("link", "target", "expect"),
    [
        ("inner.png", "sub/real.png", None),  # relative, stays inside
        ("up.png", "../outside/secret.png", "outside"),  # climbs above the root
        ("abs-in.png", "{root}/sub/real.png", None),  # absolute, under the root
        ("abs-out.png", "{outside}/secret.png", "outside"),
        ("subdir/hop.png", "../sub/real.png", None),  # .. from a subfolder
        ("loop.png", "loop.png", "cannot be read"),  # ELOOP after 40 links
    ],
)
def test_symlinks_are_followed_only_while_they_stay_beneath_the_root(
    tmp_path: Path, link: str, target: str, expect: str | None
) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    (root / "subdir").mkdir()
    outside.mkdir()
    (root / "sub" / "real.png").write_bytes(png_bytes((10, 10)))
    (outside / "secret.png").write_bytes(png_bytes((20, 20)))
    os.symlink(target.format(root=root, outside=outside), root / link)
    policy = ImagePolicy(allowed_roots=(root,))
    if expect is None:
        assert load_image(str(root / link), policy=policy).original_size == (10, 10)
        return
    with pytest.raises(ImageSourceNotAllowed, match=expect):
        load_image(str(root / link), policy=policy)


@pytest.mark.skipif(not hasattr(os, "O_DIRECTORY"), reason="POSIX dir_fd walk")
def test_the_walk_itself_refuses_escapes_the_real_path_check_did_not_see(
    tmp_path: Path,
) -> None:
    """The walk decides, not the earlier realpath: escapes found mid-walk."""
    from langchain_gravix_vision.images import _jail

    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"secret")
    os.symlink(outside, root / "swapped")  # as if swapped in after realpath
    os.symlink("../outside/secret.png", root / "rel.png")
    for relative in ("swapped/secret.png", "rel.png", "../outside/secret.png"):
        with pytest.raises(_jail.EscapesRoot):
            _jail.open_beneath(str(root.resolve()), relative)
