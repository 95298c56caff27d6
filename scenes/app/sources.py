"""explain's own source files, for the fingerprints that tell a cache when code changed."""

from __future__ import annotations

from pathlib import Path

import explain

# The installed package's folder. Its subpackages are the repository's top-level folders
# (linked in a checkout, copied into a wheel), so paths below it read "scenes/...".
PACKAGE_ROOT = Path(explain.__file__).parent


def source_files(*folders: str) -> list[Path]:
    """Every ``.py`` file below these folders of the package, in a fixed order."""
    return sorted(path for folder in folders for path in (PACKAGE_ROOT / folder).rglob("*.py"))


def relative_name(path: Path) -> bytes:
    """The name a fingerprint records for ``path``: the same on every machine."""
    return path.relative_to(PACKAGE_ROOT).as_posix().encode()
