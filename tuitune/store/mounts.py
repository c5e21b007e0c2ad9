"""Refuse a store on a network filesystem, before SQLite quietly corrupts it.

SQLite in WAL mode coordinates its readers and writer through POSIX locks and a shared-memory
file (``store.db-shm``) mapped by every process. On NFS, SMB/CIFS, sshfs and other network or
cluster filesystems those locks are emulated, partial or missing, and the mapping is not shared
between hosts: the runner and the TUI can each believe they hold the lock, and the database can
corrupt (https://www.sqlite.org/wal.html, "WAL does not work over a network filesystem").

The check reads the mount table (``/proc/mounts`` on Linux, else ``psutil``), finds the mount
point that is the longest prefix of the store's resolved path (so a symlink into NFS is caught),
and looks at its filesystem type. The parsing is a pure function of the mount table's text so it
can be tested without mounting anything.
"""

from __future__ import annotations

import os
import re
from pathlib import PurePosixPath

from tuitune.domain.errors import StoreError

NETWORK_FS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "ncpfs", "afs", "coda", "9p",
    "sshfs", "fuse.sshfs", "fuse.s3fs", "fuse.gcsfuse", "gcsfuse", "fuse.rclone", "fuse.juicefs",
    "glusterfs", "fuse.glusterfs", "ceph", "fuse.ceph", "cephfs", "lustre", "gpfs", "beegfs",
    "fuse.beegfs", "davfs", "fuse.davfs2", "webdav", "orangefs", "pvfs2",
})
"""Filesystem types (as ``/proc/mounts`` names them) on which SQLite's WAL locking is unsafe."""

_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as \040, \011, \012, \134.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """``(mount point, filesystem type)`` for each line of a ``/proc/mounts``-format table."""
    out = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            out.append((_unescape(fields[1]), fields[2]))
    return out


def filesystem_of(path: str, mounts_text: str) -> tuple[str, str] | None:
    """The ``(mount point, filesystem type)`` holding absolute ``path``: the mount point that is
    the longest whole-component prefix of it (the last one listed wins, as the kernel stacks
    later mounts on top). ``None`` when no mount point matches."""
    target = PurePosixPath(path)
    best: tuple[str, str] | None = None
    best_len = -1
    for point, fstype in parse_mounts(mounts_text):
        mp = PurePosixPath(point)
        if (target == mp or mp in target.parents) and len(mp.parts) >= best_len:
            best, best_len = (point, fstype), len(mp.parts)
    return best


def network_reason(path: str, mounts_text: str) -> str | None:
    """Why ``path`` must not hold a store, or ``None`` when it may."""
    found = filesystem_of(path, mounts_text)
    if found is None:
        return None
    point, fstype = found
    base = fstype.lower()
    if base in NETWORK_FS or base.split(".", 1)[-1] in NETWORK_FS or base.startswith(("nfs", "smb")):
        return (f"the store {path} would be on a network filesystem ({fstype} mounted at {point}); "
                "SQLite's WAL locking is unreliable there and the database can corrupt")
    return None


def read_mounts() -> str:
    """The mount table as ``/proc/mounts`` text; from psutil where there is no ``/proc``."""
    try:
        with open("/proc/mounts", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        pass
    try:
        import psutil
        return "\n".join(f"{p.device or 'none'} {p.mountpoint.replace(' ', chr(92) + '040')} {p.fstype} rw 0 0"
                         for p in psutil.disk_partitions(all=True))
    except Exception:  # no mount table at all: nothing to refuse
        return ""


def check_local(path: str, mounts_text: str | None = None) -> None:
    """Raise :class:`StoreError` when ``path`` (resolved, symlinks followed) is on a network
    filesystem, saying why and how to fix it."""
    resolved = os.path.realpath(os.path.expanduser(path))
    reason = network_reason(resolved, read_mounts() if mounts_text is None else mounts_text)
    if reason:
        raise StoreError(f"{reason}. Put the store on a local disk: set store = \"/local/path/store.db\" "
                         "in tuitune.toml (a folder on this machine's own disk, e.g. under /scratch "
                         "or /var/tmp, not your network home directory).")
