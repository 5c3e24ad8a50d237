"""``digest preview --screenshots``: PNGs of each preview beside it, listed in the index."""

from __future__ import annotations

from digest.cli.common import console
from digest.delivery.backends.file import FileBackend
from digest.render.screenshots import SCHEMES, WIDTHS, Screenshot, take_screenshots


def write_screenshots(backend: FileBackend) -> list[Screenshot]:
    """Screenshot every preview ``backend`` wrote, list them in its ``index.html`` and print
    their paths, so a reviewer can look at a digest without a mail client."""
    taken = take_screenshots([files.html for files in backend.written])
    if not taken:
        return []
    backend.write_index(
        screenshots={
            page.name: [(shot.label, shot.path.name) for shot in shots]
            for page, shots in taken.items()
        }
    )
    every = [shot for shots in taken.values() for shot in shots]
    widths = " and ".join(str(width) for width in WIDTHS)
    console.print(
        f"Screenshots ({widths} px wide, {' and '.join(SCHEMES)}), "
        f"listed in {backend.out_dir / 'index.html'}:",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    for shot in every:
        console.print(f"  {shot.path}", highlight=False, markup=False, soft_wrap=True)
    return every
