"""A store on a network filesystem is refused, saying why and what to do."""

from __future__ import annotations

import pytest

from tuitune.domain import StoreError
from tuitune.store import Store, mounts
from tuitune.store.mounts import check_local, filesystem_of, network_reason, parse_mounts

MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid 0 0
server:/export/home /home nfs4 rw,vers=4.2 0 0
/dev/sdb1 /home/me/local xfs rw 0 0
//nas/share /mnt/data cifs rw 0 0
me@host:/srv /mnt/remote\\040dir fuse.sshfs rw 0 0
tmpfs /tmp tmpfs rw 0 0
/dev/nvme0n1 /scratch ext4 rw 0 0
"""


def test_parse_unescapes_mount_points():
    assert ("/mnt/remote dir", "fuse.sshfs") in parse_mounts(MOUNTS)
    assert parse_mounts("garbage\n\n") == []


@pytest.mark.parametrize("path, expected", [
    ("/home/me/project/.tuitune/store.db", ("/home", "nfs4")),
    ("/home/me/local/store.db", ("/home/me/local", "xfs")),       # the longest prefix wins
    ("/home/me/localx/store.db", ("/home", "nfs4")),              # whole components only
    ("/mnt/data/store.db", ("/mnt/data", "cifs")),
    ("/mnt/database/store.db", ("/", "ext4")),
    ("/mnt/remote dir/s.db", ("/mnt/remote dir", "fuse.sshfs")),
    ("/scratch/s.db", ("/scratch", "ext4")),
    ("/", ("/", "ext4")),
])
def test_filesystem_of_is_the_longest_mount_prefix(path, expected):
    assert filesystem_of(path, MOUNTS) == expected


def test_later_mounts_on_the_same_point_win():
    stacked = "/dev/sda1 /data ext4 rw 0 0\nserver:/x /data nfs rw 0 0\n"
    assert filesystem_of("/data/s.db", stacked) == ("/data", "nfs")


@pytest.mark.parametrize("path, network", [
    ("/home/me/p/store.db", True), ("/mnt/data/store.db", True), ("/mnt/remote dir/s.db", True),
    ("/home/me/local/store.db", False), ("/scratch/s.db", False), ("/tmp/s.db", False),
    ("/opt/s.db", False),
])
def test_network_reason(path, network):
    reason = network_reason(path, MOUNTS)
    assert (reason is not None) == network
    if network:
        assert "network filesystem" in reason and "WAL" in reason


@pytest.mark.parametrize("fstype", ["nfs", "nfs4", "cifs", "smb3", "fuse.sshfs", "sshfs", "lustre", "9p"])
def test_known_network_types(fstype):
    assert network_reason("/x/s.db", f"a / ext4 rw 0 0\nb /x {fstype} rw 0 0\n")


def test_no_mount_table_refuses_nothing():
    assert network_reason("/x/s.db", "") is None
    check_local("/x/s.db", "")


def test_check_local_says_why_and_how_to_fix():
    with pytest.raises(StoreError) as err:
        check_local("/home/me/p/store.db", MOUNTS)
    text = str(err.value)
    assert "nfs4 mounted at /home" in text and "corrupt" in text
    assert 'store = "/local/path/store.db"' in text and "tuitune.toml" in text


def test_store_open_refuses_a_network_path_before_creating_anything(tmp_path, monkeypatch):
    table = f"/dev/sda1 / ext4 rw 0 0\nsrv:/x {tmp_path.resolve()} nfs rw 0 0\n"
    monkeypatch.setattr(mounts, "read_mounts", lambda: table)
    for readonly in (False, True):
        with pytest.raises(StoreError, match="network filesystem .*tuitune.toml"):
            Store.open(tmp_path / "sub" / "store.db", readonly=readonly)
    assert list(tmp_path.iterdir()) == []


def test_store_open_follows_symlinks_into_a_network_mount(tmp_path, monkeypatch):
    remote = tmp_path / "remote"
    remote.mkdir()
    (tmp_path / "link").symlink_to(remote)
    table = f"/dev/sda1 / ext4 rw 0 0\nsrv:/x {remote.resolve()} nfs4 rw 0 0\n"
    monkeypatch.setattr(mounts, "read_mounts", lambda: table)
    with pytest.raises(StoreError, match="nfs4"):
        Store.open(tmp_path / "link" / "store.db")


def test_the_real_mount_table_is_readable():
    text = mounts.read_mounts()
    assert text == "" or filesystem_of("/", text) is not None
