"""A fake training script for the runner's tests: the behaviours a real trainer has, on demand.

Every trial reports ``train_loss`` and ``val_loss`` per step through ``tuitune.report`` and
prints an ``@tuitune`` protocol line with ``lr_seen``; it records its GPU and its running time
in ``$TUITUNE_TRIAL_DIR/life.json`` (start and end, by its own clock) so that tests can check
that no two concurrent trials shared a GPU. Options:

  --steps N --sleep S    how long to train
  --nan-at K             report val_loss = NaN at step K
  --big-at K             report train_loss = 1e6 at step K
  --exit CODE            exit with CODE after training, saying why on stderr
  --on-term exit|ignore  on SIGTERM: exit 0 (a checkpointing trainer) or carry on
  --family               spawn a child, a setsid child and a double-forked daemon first
  --flood                print ~10 MB/s of progress output while training
  --burst N              also report N extra measurements (metric ``burst``) per step
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time

import tuitune

SLEEPER = [sys.executable, "-c", "import time; time.sleep(300)"]


def family(folder: str) -> None:
    pids = {"child": subprocess.Popen(SLEEPER).pid,
            "setsid": subprocess.Popen(SLEEPER, start_new_session=True).pid}
    r, w = os.pipe()
    if os.fork() == 0:  # double fork: the grandchild is re-parented to init
        os.setsid()
        pid = os.fork()
        if pid == 0:
            os.execv(sys.executable, SLEEPER)
        os.write(w, str(pid).encode())
        os._exit(0)
    os.close(w)
    pids["daemon"] = int(os.read(r, 32))
    os.wait()
    with open(os.path.join(folder, "family.tmp"), "w") as f:
        json.dump(pids, f)
    os.replace(os.path.join(folder, "family.tmp"), os.path.join(folder, "family.json"))


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--sleep", type=float, default=0.01)
    p.add_argument("--nan-at", type=int, default=None)
    p.add_argument("--big-at", type=int, default=None)
    p.add_argument("--exit", type=int, default=0)
    p.add_argument("--on-term", choices=("exit", "ignore"), default=None)
    p.add_argument("--family", action="store_true")
    p.add_argument("--flood", action="store_true")
    p.add_argument("--burst", type=int, default=0)
    args, params = p.parse_known_args()
    folder = os.environ["TUITUNE_TRIAL_DIR"]
    life = {"gpus": os.environ.get("CUDA_VISIBLE_DEVICES"), "start": time.time(), "params": params}
    with open(os.path.join(folder, "life.json"), "w") as f:
        json.dump(life, f)
    if args.on_term == "exit":
        signal.signal(signal.SIGTERM, lambda *_: (print("checkpointed", flush=True), sys.exit(0)))
    elif args.on_term == "ignore":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.family:
        family(folder)
    print("ready", flush=True)
    for step in range(args.steps):
        val = float("nan") if step == args.nan_at else 1.0 / (step + 1)
        train = 1e6 if step == args.big_at else 2.0 / (step + 1)
        tuitune.report(step, train_loss=train, val_loss=val)
        for i in range(args.burst):
            tuitune.report(step * args.burst + i, burst=float(i))
        print(f'@tuitune {{"lr_seen": {step * 0.5}}}', flush=True)  # no step: a line read twice would show
        if args.flood:
            end = time.monotonic() + args.sleep
            while time.monotonic() < end:
                sys.stdout.write("epoch 1: 42%|####      | 420/1000 [00:01<00:01]\r" * 200)
        else:
            time.sleep(args.sleep)
    life["end"] = time.time()
    with open(os.path.join(folder, "life.tmp"), "w") as f:
        json.dump(life, f)
    os.replace(os.path.join(folder, "life.tmp"), os.path.join(folder, "life.json"))
    if args.exit:
        print(f"training failed: exit {args.exit} on purpose", file=sys.stderr)
    return args.exit


if __name__ == "__main__":
    sys.exit(main())
