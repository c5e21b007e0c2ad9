"""GPU discovery and the exclusive pool, with fake environments and a fake nvidia-smi."""

from __future__ import annotations

import random
import subprocess
import threading
from collections.abc import Sequence

import pytest

from tuitune.runner.gpus import GpuPool, discover, from_nvidia_smi, from_visible_devices

SMI = """\
GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-11111111-2222-3333-4444-555555555555)
GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-66666666-2222-3333-4444-555555555555)
  MIG 3g.40gb     Device  0: (UUID: MIG-aaaaaaaa-2222-3333-4444-555555555555)
  MIG 3g.40gb     Device  1: (UUID: MIG-bbbbbbbb-2222-3333-4444-555555555555)
GPU 2: NVIDIA H100 80GB HBM3 (UUID: GPU-77777777-2222-3333-4444-555555555555)
"""


def smi(output: str = SMI, error: Exception | None = None):
    def run(args: Sequence[str], timeout: float) -> str:
        assert list(args) == ["nvidia-smi", "-L"] and timeout > 0
        if error is not None:
            raise error
        return output
    return run


def test_visible_devices_win() -> None:
    assert discover({"CUDA_VISIBLE_DEVICES": "2, 3"}, run=smi()) == ("2", "3")
    assert discover({"CUDA_VISIBLE_DEVICES": "GPU-1234,MIG-5"}, run=smi()) == ("GPU-1234", "MIG-5")
    assert discover({"CUDA_VISIBLE_DEVICES": ""}, run=smi()) == ()
    assert from_visible_devices("0,1,-1,2") == ("0", "1")
    assert from_visible_devices("-1") == ()


def test_nvidia_smi_lists_gpus_and_mig_instances() -> None:
    assert discover({}, run=smi()) == ("0", "MIG-aaaaaaaa-2222-3333-4444-555555555555",
                                       "MIG-bbbbbbbb-2222-3333-4444-555555555555", "2")
    assert from_nvidia_smi("") == ()
    assert from_nvidia_smi("No devices were found\n") == ()


@pytest.mark.parametrize("error", [FileNotFoundError("nvidia-smi"), subprocess.TimeoutExpired("nvidia-smi", 10),
                                   subprocess.CalledProcessError(9, "nvidia-smi")])
def test_a_missing_or_broken_nvidia_smi_falls_back_to_the_config(error: Exception) -> None:
    assert discover({}, configured=[0, 1], run=smi(error=error)) == ("0", "1")
    assert discover({}, run=smi(error=error)) == ()


def test_the_real_discovery_never_fails() -> None:
    assert isinstance(discover({}, timeout=5), tuple)


def test_acquire_is_exclusive_and_all_or_nothing() -> None:
    pool = GpuPool(["0", "1", "2"])
    assert pool.acquire(0) == ()
    a = pool.acquire(2)
    assert a == ("0", "1") and pool.free == ("2",)
    assert pool.acquire(2) is None and pool.free == ("2",)
    b = pool.acquire(1)
    assert b == ("2",) and pool.acquire(1) is None
    pool.release(a)
    assert pool.acquire(1) == ("0",)
    with pytest.raises(ValueError, match="cannot hold 4 GPUs from a pool of 3"):
        pool.acquire(4)
    with pytest.raises(ValueError, match="not held: 1"):
        pool.release(["1"])


def test_reserve_for_readopted_trials() -> None:
    pool = GpuPool(["0", "1"])
    pool.reserve(["1", "GPU-gone"])
    assert pool.acquire(1) == ("0",) and pool.acquire(1) is None
    with pytest.raises(ValueError, match="already held by another trial: 1"):
        pool.reserve(["1"])
    pool.release(["1", "GPU-gone"])
    assert pool.free == ("1",)


def test_threads_never_share_a_gpu() -> None:
    pool = GpuPool([str(i) for i in range(4)])
    holders: dict[str, int] = {}
    clashes: list[str] = []
    guard = threading.Lock()

    def worker(me: int) -> None:
        rnd = random.Random(me)
        for _ in range(300):
            ids = pool.acquire(rnd.randint(1, 2))
            if ids is None:
                continue
            with guard:
                clashes.extend(i for i in ids if i in holders)
                holders.update((i, me) for i in ids)
            with guard:
                for i in ids:
                    del holders[i]
            pool.release(ids)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clashes == [] and len(pool.free) == 4
