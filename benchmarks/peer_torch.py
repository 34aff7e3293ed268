"""PyTorch CPU eager: nn.Sequential, CrossEntropyLoss or BCEWithLogitsLoss, optim.SGD."""

from __future__ import annotations

import numpy as np
import torch
from pinning import THREADS
from workloads import Problem, Weights

torch.set_num_threads(THREADS)


class TorchEager:
    """The textbook loop: zero_grad, loss(model(x), y), backward, step; float32 tensors
    that share memory with the problem's NumPy batches (torch.from_numpy, no copy)."""

    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        workload = problem.workload
        layers: list[torch.nn.Module] = []
        for i, (w, b) in enumerate(problem.init):
            linear = torch.nn.Linear(w.shape[0], w.shape[1])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(np.array(w.T)))
                linear.bias.copy_(torch.from_numpy(np.array(b)))
            layers.append(linear)
            if i < len(problem.init) - 1:
                layers.append(
                    torch.nn.ReLU() if workload.activation == "relu" else torch.nn.Sigmoid()
                )
        self._model = torch.nn.Sequential(*layers)
        self._loss: torch.nn.Module = (
            torch.nn.BCEWithLogitsLoss() if workload.binary else torch.nn.CrossEntropyLoss()
        )
        self._optimizer = torch.optim.SGD(self._model.parameters(), lr=workload.learning_rate)
        self._batches = [
            (torch.from_numpy(x), torch.from_numpy(np.asarray(y))) for x, y in problem.batches
        ]

    def run(self) -> None:
        """`passes` passes of eager steps over the batches."""
        model, loss_fn, optimizer = self._model, self._loss, self._optimizer
        for _ in range(self._problem.workload.passes):
            for x, y in self._batches:
                optimizer.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                optimizer.step()

    def weights(self) -> Weights | None:
        """The trained weights, transposed back to (in, out)."""
        linears = [m for m in self._model if isinstance(m, torch.nn.Linear)]
        return [
            (m.weight.detach().numpy().T.copy(), m.bias.detach().numpy().copy()) for m in linears
        ]

    def note(self) -> str:
        """The torch version and its thread count."""
        return f"torch {torch.__version__}, {torch.get_num_threads()} threads"
