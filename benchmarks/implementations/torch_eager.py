"""PyTorch eager: ``nn.Module`` with ``nn.Parameter``, autograd, ``torch.optim.SGD`` (W7: ``torch.optim.Adam``).

The usual training step (``zero_grad``, forward, ``backward``, ``step``),
with the data as tensors made once. PyTorch uses both cores by default.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from benchmarks.implementations import Counter, Layer

NAME = "torch"
REQUIRES = ("torch",)
MODES = None


def wait(out):
    return out


def to_numpy(out) -> np.ndarray:
    return out.detach().numpy() if isinstance(out, torch.Tensor) else np.asarray(out)


def _param(array: np.ndarray) -> nn.Parameter:
    return nn.Parameter(torch.tensor(array))  # torch.tensor copies


class Regression(nn.Module):
    def __init__(self, w: np.ndarray, b: np.ndarray) -> None:
        super().__init__()
        self.w, self.b = _param(w), _param(b)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(x @ self.w + self.b)


def regression(p, mode=None):
    x, y = torch.from_numpy(p.x), torch.from_numpy(p.y)

    def make():
        model = Regression(p.w, p.b)
        optimizer = torch.optim.SGD(model.parameters(), lr=p.stepsize)

        def step():
            optimizer.zero_grad()
            prediction = model(x)
            prediction.retain_grad()  # the layer's update also returns d cost / d prediction
            cost = torch.sum(torch.sum((y - prediction) ** 2, dim=1))
            cost.backward()
            optimizer.step()
            return cost

        return step

    return make


class MLP(nn.Module):
    def __init__(self, weights, biases) -> None:
        super().__init__()
        self.weights = nn.ParameterList(_param(w) for w in weights)
        self.biases = nn.ParameterList(_param(b) for b in biases)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ w + b
            if i < len(self.weights) - 1:
                h = torch.tanh(h)
        return h


def _training(model: nn.Module, optimizer: torch.optim.Optimizer, p):
    """The usual training step of ``model``, on the problem's data."""
    x, y = torch.from_numpy(p.x), torch.from_numpy(p.y)

    def step():
        optimizer.zero_grad()
        # cross_entropy with class probabilities: -mean(sum(y * log_softmax(logits), 1))
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def mlp(p, mode=None):
    def make():
        model = MLP(p.weights, p.biases)
        return _training(model, torch.optim.SGD(model.parameters(), lr=p.stepsize), p)

    return make


def counter(p, mode=None):
    def make():
        state = torch.tensor(p.start, dtype=getattr(torch, p.dtype))

        def inc():
            state.add_(1)

        return Counter(inc=inc, value=lambda: float(state))

    return make


class Linear(nn.Module):
    def __init__(self, w: np.ndarray) -> None:
        super().__init__()
        self.w = _param(w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x @ self.w)


def layer(p, mode=None):
    x = torch.from_numpy(p.x)

    def make():
        model = Linear(p.w)

        @torch.no_grad()
        def apply():
            return model(x)

        @torch.no_grad()
        def scale():
            model.w.mul_(p.factor)

        return Layer(apply=apply, scale=scale)

    return make


# -- W7: training with torch.optim.Adam ---------------------------------------------------------


def _adam(model: nn.Module, adam) -> torch.optim.Adam:
    return torch.optim.Adam(model.parameters(), lr=adam.learning_rate, betas=(adam.beta1, adam.beta2),
                            eps=adam.epsilon)


def mlp_adam(p, adam, mode=None):
    def make():
        model = MLP(p.weights, p.biases)
        return _training(model, _adam(model, adam), p)

    return make


class CNN(nn.Sequential):
    """Blocks of ``Conv2d(3x3) -> ReLU -> MaxPool2d(2)``, then ``Flatten`` and ``Linear``, from the problem's weights."""

    def __init__(self, p) -> None:
        layers: list[nn.Module] = []
        for w, b in zip(p.conv_weights, p.conv_biases):
            conv = nn.Conv2d(w.shape[1], w.shape[0], w.shape[2:], dtype=getattr(torch, p.dtype))
            conv.weight, conv.bias = _param(w), _param(b)
            layers += [conv, nn.ReLU(), nn.MaxPool2d(2)]
        linear = nn.Linear(*p.weight.shape, dtype=getattr(torch, p.dtype))
        linear.weight, linear.bias = _param(p.weight.T), _param(p.bias)  # torch keeps (out, in)
        super().__init__(*layers, nn.Flatten(), linear)


def cnn_adam(p, adam, mode=None):
    def make():
        model = CNN(p)
        return _training(model, _adam(model, adam), p)

    return make
