"""What this machine can hold: the memory a command may plan to use, the disk space free.

Bounds on inputs that are read into memory whole (an imported log) are a share of the memory
this process can still get, so that a small file that expands (a gzip bomb) ends in a clear
error rather than in the kernel's out-of-memory killer or an aborting allocator.
"""

from __future__ import annotations

import os
import resource
import shutil
from pathlib import Path

MEMORY_SHARE = 0.25
"""Share of the memory still available that one input read whole may take."""


def available_memory() -> int:
    """Bytes this process can still allocate: the machine's available memory (MemAvailable),
    or less under an address-space limit (`ulimit -v`)."""
    available = _meminfo("MemAvailable") or os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return available
    return max(0, min(available, soft - (_meminfo("VmSize", "/proc/self/status") or 0)))


def memory_budget() -> int:
    """Bytes one input read whole may take (`MEMORY_SHARE` of `available_memory`)."""
    return int(available_memory() * MEMORY_SHARE)


def free_disk_space(path: Path) -> int | None:
    """Bytes free on the file system that holds (or will hold) `path`: that of its nearest
    existing ancestor; None if it cannot be read."""
    for folder in (path, *path.absolute().parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def format_bytes(count: float) -> str:
    """`1.5 GB`, `300 MB`, `12 kB`."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count:.0f} B"


def _meminfo(field: str, path: str = "/proc/meminfo") -> int | None:
    """A `kB` figure of a Linux /proc file, in bytes (None elsewhere)."""
    try:
        with open(path) as lines:
            for line in lines:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
