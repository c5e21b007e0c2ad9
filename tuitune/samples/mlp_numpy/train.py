"""A small numpy MLP classifier that trains like a real model: tuitune's demo project.

Why it is built this way:

* **Real training, small.** Three interleaved spirals plus four pure-noise input features,
  with 10% of all labels (training and validation, as in real data) replaced at random; 1,000
  training and 1,000 validation points. Two leaky-ReLU hidden layers of width ``--hidden`` can
  memorise the noise, so without regularization the validation loss bottoms out early and then
  rises (overfitting); weight decay delays that turn and lowers the bottom. Leaky units (rather
  than plain ReLU) keep a too-high learning rate from merely killing every unit: the weights
  blow up and the loss becomes inf/NaN, as on real models. The training seed (weights and
  batch order) moves the result a little; more epochs help until the curve flattens.
* **The data never depends on ``--seed``.** It comes from a fixed data seed, so trials that
  differ only in their training seed measure retraining noise, not a different dataset.
* **Divergence is reported, then training stops** (like Keras's ``TerminateOnNaN``): the epoch
  whose training loss is not finite is reported as it is (NaN or inf), a line goes to stderr,
  and the script exits with status 0. tuitune marks the trial INFEASIBLE from the NaN itself, so
  the exit status need not say it; going on would only burn the trial's slot.
* **One thread.** BLAS threads only add overhead at these matrix sizes and oversubscribe the
  CPU when several trials run side by side, so they are capped before numpy is imported.

Run it by hand: ``python train.py --learning_rate=0.03 --epochs=20`` (metrics are printed
each epoch; ``tuitune.report`` records them only under tuitune).
"""

from __future__ import annotations

import argparse
import os
import sys

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the thread caps, which numpy reads when it loads)

from tuitune import report  # noqa: E402

DATA_SEED = 20240501
CLASSES = 3
NOISE_FEATURES = 4
LABEL_NOISE = 0.1
N_TRAIN = N_VALID = 1000
LEAK = 0.1
"""Slope of the hidden units below zero."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--learning_rate", type=float, default=0.1)
    p.add_argument("--weight_decay", type=float, default=0.0, help="L2 penalty coefficient on the weights")
    p.add_argument("--hidden", type=int, default=128, help="width of each of the two hidden layers")
    p.add_argument("--batch_size", type=int, default=32)
    p.add_argument("--optimizer", choices=("sgd", "momentum", "adam"), default="momentum")
    p.add_argument("--momentum", type=float, default=0.9, help="only with --optimizer=momentum")
    p.add_argument("--beta1", type=float, default=0.9, help="only with --optimizer=adam")
    p.add_argument("--beta2", type=float, default=0.999, help="only with --optimizer=adam")
    p.add_argument("--epochs", type=int, default=80)
    p.add_argument("--seed", type=int, default=0, help="training seed: initial weights and batch order")
    return p.parse_args(argv)


def make_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and validation sets (x standardized, y class ids), the same for every trial."""
    rng = np.random.default_rng(DATA_SEED)
    n = N_TRAIN + N_VALID
    y = rng.integers(0, CLASSES, n)
    r = rng.uniform(0.1, 1.0, n)
    angle = 3.5 * r + 2 * np.pi * y / CLASSES + rng.normal(0, 0.15, n)
    x = np.column_stack([r * np.cos(angle), r * np.sin(angle), rng.normal(0, 1, (n, NOISE_FEATURES))])
    x = (x - x.mean(0)) / x.std(0)
    y = np.where(rng.random(n) < LABEL_NOISE, rng.integers(0, CLASSES, n), y)  # noisy labels, as in real data
    return x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:]


class MLP:
    """Two leaky-ReLU hidden layers and a softmax output, with its own backward pass."""

    def __init__(self, inputs: int, hidden: int, rng: np.random.Generator):
        sizes = (inputs, hidden, hidden, CLASSES)
        self.weights = [rng.normal(0, np.sqrt(2 / a), (a, b)) for a, b in zip(sizes, sizes[1:])]  # He init
        self.biases = [np.zeros(b) for b in sizes[1:]]

    @property
    def params(self) -> list[np.ndarray]:
        return [*self.weights, *self.biases]

    def forward(self, x: np.ndarray) -> list[np.ndarray]:
        """Activations of every layer, the logits last."""
        acts = [x]
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            z = acts[-1] @ w + b
            acts.append(z if i == len(self.weights) - 1 else np.maximum(z, LEAK * z))
        return acts

    def loss(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """Mean cross-entropy and error rate on ``(x, y)``."""
        logits = self.forward(x)[-1]
        return float(cross_entropy(logits, y)[0]), float(np.mean(logits.argmax(1) != y))

    def gradients(self, x: np.ndarray, y: np.ndarray, weight_decay: float) -> tuple[float, list[np.ndarray]]:
        """The batch loss and the gradients of loss + weight_decay/2 * |W|^2, in ``params`` order."""
        acts = self.forward(x)
        loss, delta = cross_entropy(acts[-1], y)
        grads_w, grads_b = [], []
        for i in reversed(range(len(self.weights))):
            grads_w.append(acts[i].T @ delta + weight_decay * self.weights[i])
            grads_b.append(delta.sum(0))
            if i:
                delta = (delta @ self.weights[i].T) * np.where(acts[i] > 0, 1.0, LEAK)
        return float(loss), [*reversed(grads_w), *reversed(grads_b)]


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean softmax cross-entropy and its gradient with respect to the logits.

    Stable for large finite logits; inf or NaN logits give a NaN loss, on purpose.
    """
    shifted = logits - logits.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    rows = np.arange(len(y))
    grad = np.exp(log_p)
    grad[rows, y] -= 1
    return -log_p[rows, y].mean(), grad / len(y)


class Optimizer:
    """SGD, SGD with heavy-ball momentum, or Adam, over a fixed list of arrays (updated in place)."""

    def __init__(self, args: argparse.Namespace, params: list[np.ndarray]):
        self.args = args
        self.state = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        self.t = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray]) -> None:
        a = self.args
        self.t += 1
        for p, g, (m, v) in zip(params, grads, self.state):
            if a.optimizer == "sgd":
                p -= a.learning_rate * g
            elif a.optimizer == "momentum":
                m *= a.momentum
                m += g
                p -= a.learning_rate * m
            else:
                m += (1 - a.beta1) * (g - m)
                v += (1 - a.beta2) * (g * g - v)
                m_hat = m / (1 - a.beta1 ** self.t)
                v_hat = v / (1 - a.beta2 ** self.t)
                p -= a.learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)


def train(args: argparse.Namespace) -> None:
    x_train, y_train, x_valid, y_valid = make_data()
    rng = np.random.default_rng(args.seed)
    model = MLP(x_train.shape[1], args.hidden, rng)
    opt = Optimizer(args, model.params)
    steps_per_epoch = -(-N_TRAIN // args.batch_size)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(N_TRAIN)
        total = 0.0
        for start in range(0, N_TRAIN, args.batch_size):
            batch = order[start:start + args.batch_size]
            loss, grads = model.gradients(x_train[batch], y_train[batch], args.weight_decay)
            opt.step(model.params, grads)
            total += loss * len(batch)
        train_loss = total / N_TRAIN
        val_loss, val_error = model.loss(x_valid, y_valid)
        step = epoch * steps_per_epoch
        report(step=step, train_loss=train_loss, val_loss=val_loss, val_error=val_error)
        print(f"epoch {epoch}/{args.epochs} step {step} train_loss={train_loss:.4f} val_loss={val_loss:.4f} "
              f"val_error={val_error:.3f}", flush=True)
        if not np.isfinite(train_loss):
            print(f"diverged at epoch {epoch}: train_loss is {train_loss}; stopping (learning rate too high?)",
                  file=sys.stderr)
            break


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with np.errstate(all="ignore"):  # overflow is how divergence looks; it is reported, not warned about
        train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
