"""One of two processes training a Module data-parallel over an 8-device mesh spanning both.

Started twice by ``test_mesh_processes.py`` (``python _mesh_process.py ID PORT``),
each process with 4 host devices (``XLA_FLAGS``); they meet at a
coordinator on 127.0.0.1:PORT. Every process passes the same values (the
first members, the whole batch) and places only its own devices' shares.
Prints one JSON object: the trained members, and how far they are from the
same training run by this process alone on one device.
"""

from __future__ import annotations

import hashlib
import json
import sys

import jax

jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(
    coordinator_address=f"127.0.0.1:{sys.argv[2]}", num_processes=2, process_id=int(sys.argv[1]),
    initialization_timeout=120, shutdown_timeout_seconds=60,  # a failed peer fails the test sooner
)

import numpy as np  # noqa: E402
from jax.sharding import PartitionSpec as P  # noqa: E402

import symmodule  # noqa: E402
from symmodule import nn  # noqa: E402
from symmodule import tensor as T  # noqa: E402

STEPS = 50


def module() -> symmodule.Module:
    m = symmodule.Module()
    m.model = nn.Sequential(nn.Linear(16, 32, dtype="float64"), nn.tanh, nn.Linear(32, 4, dtype="float64"))
    x, y = T.dmatrix("x"), T.lvector("y")
    loss = -T.mean(nn.log_softmax(m.model(x))[T.arange(y.shape[0]), y])
    params = m.parameters()
    m.train = symmodule.Method([x, y], loss, updates={p: p - 0.5 * g for p, g in zip(params, T.grad(loss, params))})
    return m


def digest(members: dict[str, np.ndarray]) -> str:
    return hashlib.sha256(b"".join(members[p].tobytes() for p in sorted(members))).hexdigest()


def relative(members: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> float:
    return max(float(np.max(np.abs(members[p] - reference[p])) / np.max(np.abs(reference[p]))) for p in members)


def main() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=64)
    x = np.eye(4, 16)[labels] * 2 + rng.standard_normal((64, 16))
    m = module()
    start = {
        path: rng.standard_normal(np.shape(value)) * 0.3
        for path, value in symmodule.state_dict(m.make(mode="JAX")).items()
    }
    mesh = jax.make_mesh((8,), ("data",))
    spanning = m.make(mesh=mesh)
    symmodule.load_state_dict(spanning, start)
    losses = [float(spanning.train(x, labels)) for _ in range(STEPS)]
    alone = m.make(mode="JAX")
    symmodule.load_state_dict(alone, start)
    alone_losses = [float(alone.train(x, labels)) for _ in range(STEPS)]
    members = symmodule.state_dict(spanning)
    reference = symmodule.state_dict(alone)
    # The weight matrices split over the 8 devices of both processes: state_dict gathers them.
    split = m.make(mesh=mesh, sharding={"regularizable": P("data")})
    symmodule.load_state_dict(split, start)
    for _ in range(STEPS):
        split.train(x, labels)
    split_members = symmodule.state_dict(split)
    print(json.dumps({
        "process": jax.process_index(),
        "processes": jax.process_count(),
        "devices": len(jax.devices()),
        "local_devices": len(jax.local_devices()),
        "digest": digest(members),
        "members_rel": relative(members, reference),
        "losses_rel": float(np.max(np.abs(np.subtract(losses, alone_losses))) / max(alone_losses)),
        "loss_fell": losses[-1] < losses[0] / 2,
        "split_spans_processes": not split["model.layers.0.w"].is_fully_addressable,
        "split_digest": digest(split_members),
        "split_members_rel": relative(split_members, reference),
    }))
    jax.distributed.shutdown()


if __name__ == "__main__":
    main()
