"""Polynomial regression by SGD that knows nothing of tuitune: it only prints its own log lines.

This is the script you cannot (or would rather not) change. It imports the standard library
only and writes one line per epoch::

    epoch 3/40 loss=0.1406 val_loss=0.1537 r2=0.7228

and ``tuitune.toml`` in this folder turns those lines into measurements with a regular
expression. A learning rate too high makes SGD overshoot: the loss grows without bound and turns
into ``inf``/``nan``, which the log prints as such (Python's ``f"{x:.4g}"`` writes ``inf`` and
``nan``, and tuitune reads both). The data is fixed (its own seed); ``--seed`` only changes the
initial weights and the sample order.
"""

from __future__ import annotations

import argparse
import math
import random
import sys

DATA_SEED = 7
N_TRAIN, N_VALID = 40, 200


def target(x: float) -> float:
    return math.sin(3 * x)


def make_data() -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    rng = random.Random(DATA_SEED)
    points = [(x, target(x) + rng.gauss(0, 0.3)) for x in (rng.uniform(-1, 1) for _ in range(N_TRAIN + N_VALID))]
    return points[:N_TRAIN], points[N_TRAIN:]


def features(x: float, degree: int) -> list[float]:
    return [x ** k for k in range(degree + 1)]


def predict(w: list[float], x: float) -> float:
    return sum(wi * fi for wi, fi in zip(w, features(x, len(w) - 1)))


def mse(w: list[float], data: list[tuple[float, float]]) -> float:
    """Mean squared error; ``inf``/``nan`` once the weights have blown up (``d * d``, not ``d ** 2``,
    which raises OverflowError instead of giving ``inf``)."""
    errors = [predict(w, x) - y for x, y in data]
    return sum(d * d for d in errors) / len(data)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--learning_rate", type=float, default=0.1)
    p.add_argument("--l2", type=float, default=0.0, help="L2 penalty on the weights")
    p.add_argument("--degree", type=int, default=9)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    train, valid = make_data()
    rng = random.Random(args.seed)
    w = [rng.gauss(0, 0.1) for _ in range(args.degree + 1)]
    mean = sum(y for _, y in valid) / len(valid)
    variance = sum((y - mean) ** 2 for _, y in valid) / len(valid)  # r2 = 1 - val_loss / variance
    for epoch in range(1, args.epochs + 1):
        rng.shuffle(train)
        for x, y in train:
            f = features(x, args.degree)
            err = sum(wi * fi for wi, fi in zip(w, f)) - y
            w = [wi - args.learning_rate * (err * fi + args.l2 * wi) for wi, fi in zip(w, f)]
        loss, val_loss = mse(w, train), mse(w, valid)
        print(f"epoch {epoch}/{args.epochs} loss={loss:.4g} val_loss={val_loss:.4g} r2={1 - val_loss / variance:.4g}",
              flush=True)
        if not math.isfinite(loss):
            print("loss is not finite: stopping", file=sys.stderr)
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
