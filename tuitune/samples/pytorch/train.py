"""A small PyTorch MLP for GPU boxes (CPU fallback), reporting through ``tuitune.report``.

Why it is written this way:

* **The GPU is whatever tuitune gave the trial.** The runner sets ``CUDA_VISIBLE_DEVICES`` for
  each trial (``gpus_per_trial`` in ``tuitune.toml``), so the script always uses ``cuda:0``, the
  first *visible* device, and falls back to the CPU when none is visible (an empty
  ``CUDA_VISIBLE_DEVICES`` or no CUDA at all). It never picks a GPU by index itself, which
  would put two trials on one card.
* **The data is generated on the device** from a fixed seed (three noisy spirals, 10% of the
  labels replaced at random), so there is nothing to download and ``--seed`` changes only the
  initial weights and the batch order.
* **Divergence is reported, then training stops**, as in the numpy sample: the non-finite loss
  reaches tuitune (which marks the trial infeasible) and the script exits with status 0.

Run it by hand: ``python train.py --epochs=5`` (prints each epoch; ``tuitune.report`` records
only under tuitune).
"""

from __future__ import annotations

import argparse
import math
import sys

import torch
from torch import nn

from tuitune import report

DATA_SEED = 20240501
CLASSES = 3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--learning_rate", type=float, default=0.1)
    p.add_argument("--weight_decay", type=float, default=0.0)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--batch_size", type=int, default=256)
    p.add_argument("--optimizer", choices=("sgd", "momentum", "adam"), default="momentum")
    p.add_argument("--momentum", type=float, default=0.9, help="only with --optimizer=momentum")
    p.add_argument("--beta1", type=float, default=0.9, help="only with --optimizer=adam")
    p.add_argument("--beta2", type=float, default=0.999, help="only with --optimizer=adam")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--samples", type=int, default=20_000, help="training points (as many again for validation)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args(argv)


def make_data(n: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` points of three noisy spirals (x: n x 2, y: class ids), the same for every trial."""
    g = torch.Generator().manual_seed(DATA_SEED)
    y = torch.randint(0, CLASSES, (n,), generator=g)
    r = 0.1 + 0.9 * torch.rand(n, generator=g)
    angle = 3.5 * r + 2 * math.pi * y / CLASSES + 0.15 * torch.randn(n, generator=g)
    x = torch.stack([r * torch.cos(angle), r * torch.sin(angle)], 1)
    noisy = torch.rand(n, generator=g) < 0.1
    y = torch.where(noisy, torch.randint(0, CLASSES, (n,), generator=g), y)
    return x.to(device), y.to(device)


def make_optimizer(args: argparse.Namespace, params: list[nn.Parameter]) -> torch.optim.Optimizer:
    if args.optimizer == "adam":
        return torch.optim.Adam(params, lr=args.learning_rate, betas=(args.beta1, args.beta2),
                                weight_decay=args.weight_decay)
    momentum = args.momentum if args.optimizer == "momentum" else 0.0
    return torch.optim.SGD(params, lr=args.learning_rate, momentum=momentum, weight_decay=args.weight_decay)


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    logits = model(x)
    return nn.functional.cross_entropy(logits, y).item(), (logits.argmax(1) != y).float().mean().item()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
    print(f"device: {device}" + (f" ({torch.cuda.get_device_name(0)})" if device.type == "cuda" else ""), flush=True)
    x, y = make_data(2 * args.samples, device)
    x_train, y_train, x_valid, y_valid = x[:args.samples], y[:args.samples], x[args.samples:], y[args.samples:]

    torch.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(2, args.hidden), nn.LeakyReLU(0.1), nn.Linear(args.hidden, args.hidden),
                          nn.LeakyReLU(0.1), nn.Linear(args.hidden, CLASSES)).to(device)
    opt = make_optimizer(args, list(model.parameters()))
    order_gen = torch.Generator(device=device).manual_seed(args.seed)
    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(args.samples, device=device, generator=order_gen)
        total = torch.zeros((), device=device)
        for start in range(0, args.samples, args.batch_size):
            batch = order[start:start + args.batch_size]
            loss = nn.functional.cross_entropy(model(x_train[batch]), y_train[batch])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach() * len(batch)  # summed on the device: no sync per step
            step += 1
        train_loss = total.item() / args.samples
        model.eval()
        val_loss, val_error = evaluate(model, x_valid, y_valid)
        report(step=step, train_loss=train_loss, val_loss=val_loss, val_error=val_error)
        print(f"epoch {epoch}/{args.epochs} step {step} train_loss={train_loss:.4f} val_loss={val_loss:.4f} "
              f"val_error={val_error:.3f}", flush=True)
        if not math.isfinite(train_loss):
            print(f"diverged at epoch {epoch}: train_loss is {train_loss}; stopping", file=sys.stderr)
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
