"""Runs in a subprocess with 8 host devices (XLA_FLAGS); prints one JSON object of results.

``test_mesh.py`` starts it once and checks each behaviour against what it
printed: the numbers of a training step on 8x1 and 4x2 meshes against one
device, random draws, checkpoints across meshes, the bytes each device
holds, and the errors a user can get (class and message, raised again by
the test).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import jax
import numpy as np
from jax.sharding import PartitionSpec as P

import symmodule
from symmodule import errors, nn
from symmodule.persist import read_checkpoint
from symmodule import tensor as T

STEPS = 50
BATCH = 64


def mlp_module(dtype: str, dropout: float = 0.0) -> symmodule.Module:
    """An MLP classifier (16-32-32-4, tanh) with one SGD training step, in ``dtype``."""
    m = symmodule.Module()
    m.model = nn.Sequential(
        nn.Linear(16, 32, dtype=dtype), nn.tanh,
        nn.Linear(32, 32, dtype=dtype), nn.tanh,
        nn.Linear(32, 4, dtype=dtype),
    )
    x, y = T.matrix("x", dtype=dtype), T.lvector("y")
    inputs = x
    if dropout:  # drawn with a uniform: JAX has no binomial without NumPyro
        m.random = T.randomstreams.RandomStreams(seed=7)
        keep = m.random.uniform(size=x.shape, dtype=dtype) >= dropout
        inputs = T.switch(keep, x / (1 - dropout), 0)
    logits = m.model(inputs)
    loss = -T.mean(nn.log_softmax(logits)[T.arange(y.shape[0]), y])
    params = m.parameters()
    lr = np.asarray(0.5, dtype=dtype)
    m.train = symmodule.Method([x, y], loss, updates={p: p - lr * g for p, g in zip(params, T.grad(loss, params))})
    m.predict = symmodule.Method([x], T.argmax(m.model(x), axis=-1))
    return m


def data(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, size=BATCH)
    points = np.eye(4, 16)[labels] * 2 + rng.standard_normal((BATCH, 16))
    return points.astype(dtype), labels


def initial(m: symmodule.Module, dtype: str) -> dict[str, np.ndarray]:
    reference = m.make(mode="JAX")
    return {path: np.asarray(value).astype(dtype) for path, value in symmodule.state_dict(reference).items()}


def train(inst: symmodule.ModuleInstance, dtype: str) -> tuple[list[float], dict[str, np.ndarray]]:
    x, y = data(dtype)
    losses = [float(inst.train(x, y)) for _ in range(STEPS)]
    return losses, {path: np.asarray(value) for path, value in symmodule.state_dict(inst).items()}


def differences(a: list[float] | dict, b: list[float] | dict) -> dict[str, float]:
    if isinstance(a, dict):
        pairs = [(a[k], b[k]) for k in a]
    else:
        pairs = [(np.asarray(a), np.asarray(b))]
    absolute = max(float(np.max(np.abs(u - v))) for u, v in pairs)
    relative = max(float(np.max(np.abs(u - v)) / max(np.max(np.abs(v)), 1e-30)) for u, v in pairs)
    return {"abs": absolute, "rel": relative}


def failure(block) -> dict[str, str] | None:
    try:
        block()
    except errors.SymmoduleError as exc:
        return {"class": type(exc).__name__, "message": str(exc)}
    return None


def agreement(results: dict) -> None:
    meshes = {"8x1": jax.make_mesh((8, 1), ("data", "model")), "4x2": jax.make_mesh((4, 2), ("data", "model"))}
    for dtype in ("float32", "float64"):
        m = mlp_module(dtype)
        start = initial(m, dtype)
        one_losses, one_members = train(made(m, start, mode="JAX"), dtype)
        for name, mesh in meshes.items():
            inst = made(m, start, mode="JAX", mesh=mesh, sharding={"regularizable": P(None, "model")})
            losses, members = train(inst, dtype)
            results[f"agreement/{name}/{dtype}"] = {
                "losses": differences(losses, one_losses),
                "members": differences(members, one_members),
                "loss_fell": losses[-1] < losses[0] / 2,
            }
            results[f"specs/{name}/{dtype}"] = {
                path: _spec_of(inst[path]) for path in symmodule.split(inst)[1].paths
            }
            results[f"resident/{name}/{dtype}"] = all(
                isinstance(value, jax.Array) for value in symmodule.split(inst)[1].snapshot().values()
            )


def made(m: symmodule.Module, start: dict[str, np.ndarray], **options) -> symmodule.ModuleInstance:
    inst = m.make(**options)
    symmodule.load_state_dict(inst, start)
    return inst


def _spec_of(value: jax.Array) -> list:
    return [None if entry is None else str(entry) for entry in value.sharding.spec]


def outputs(results: dict) -> None:
    m = mlp_module("float64")
    inst = m.make(mesh=jax.make_mesh((8,), ("data",)))
    prediction = inst.predict(data("float64")[0])
    results["outputs/replicated"] = bool(prediction.sharding.is_fully_replicated)
    results["outputs/devices"] = len(prediction.sharding.device_set)


def random_streams(results: dict) -> None:
    m = mlp_module("float64", dropout=0.3)
    mesh = jax.make_mesh((4, 2), ("data", "model"))
    x, y = data("float64")
    runs = []
    for _ in range(2):
        inst = m.make(mesh=mesh, sharding={"regularizable": P(None, "model")})
        runs.append([float(inst.train(x, y)) for _ in range(5)])
    single = m.make(mode="JAX")
    results["random/same_seed_same_mesh"] = runs[0] == runs[1]
    results["random/losses"] = runs[0]
    results["random/single_device"] = [float(single.train(x, y)) for _ in range(5)]


def checkpoints(results: dict) -> None:
    m = mlp_module("float64")
    sharded = m.make(mesh=jax.make_mesh((4, 2), ("data", "model")), sharding={"regularizable": P(None, "model")})
    x, y = data("float64")
    for _ in range(3):
        sharded.train(x, y)
    single = m.make(mode="JAX")
    symmodule.load_state_dict(single, symmodule.state_dict(sharded))
    with tempfile.TemporaryDirectory() as folder:
        from_mesh, from_one = os.path.join(folder, "mesh.ckpt"), os.path.join(folder, "one.ckpt")
        symmodule.save(sharded, from_mesh)
        symmodule.save(single, from_one)
        a, b = read_checkpoint(from_mesh), read_checkpoint(from_one)
        results["checkpoint/same_file_as_one_device"] = (
            a.metadata == b.metadata
            and list(a) == list(b)
            and all(a[p].dtype == b[p].dtype and np.array_equal(a[p], b[p]) for p in a)
        )
        reference = symmodule.state_dict(sharded)
        other = m.make(mesh=jax.make_mesh((8, 1), ("data", "model")))
        symmodule.load(from_mesh, into=other)
        one = m.make(mode="JAX")
        symmodule.load(from_mesh, into=one)
        for name, inst in (("8x1", other), ("one_device", one)):
            loaded = symmodule.state_dict(inst)
            results[f"checkpoint/loaded_into_{name}_identical"] = all(
                np.array_equal(loaded[p], reference[p]) for p in reference
            )
        results["checkpoint/loaded_keeps_its_mesh_sharding"] = _spec_of(other["model.layers.0.w"]) == []
        results["checkpoint/state_dict_is_numpy"] = all(isinstance(v, np.ndarray) for v in reference.values())
        after = m.make(mesh=jax.make_mesh((8, 1), ("data", "model")))
        symmodule.load(from_mesh, into=after)
        # Another mesh sums the batch in another order: the last bits may differ.
        results["checkpoint/trains_on_from_the_loaded_state"] = differences(
            [float(after.train(x, y))], [float(sharded.train(x, y))]
        )


def memory(results: dict) -> None:
    m = symmodule.Module()
    m.table = symmodule.Member(T.fmatrix(), roles="embedding")
    m.bias = T.fvector()
    ids = T.lvector("ids")
    m.lookup = symmodule.Method(ids, m.table[ids].sum() + m.bias.sum())
    table = np.ones((4096, 256), dtype="float32")
    for name, shape, spec in (("8", (8,), P(None, "data")), ("4x2", (4, 2), P(None, "model"))):
        mesh = jax.make_mesh(shape, ("data",) if len(shape) == 1 else ("data", "model"))
        inst = m.make(mesh=mesh, sharding={"embedding": spec}, table=table, bias=np.zeros(4, "float32"))
        results[f"memory/{name}"] = {
            "bytes": int(table.nbytes),
            "shards": [int(shard.data.nbytes) for shard in inst.table.addressable_shards],
            "bias_shards": [int(shard.data.nbytes) for shard in inst.bias.addressable_shards],
            "lookup": float(inst.lookup(np.arange(8))),
        }


def refusals(results: dict) -> None:
    m = mlp_module("float64")
    mesh = jax.make_mesh((4, 2), ("data", "model"))
    inst = m.make(mesh=mesh)
    x, y = data("float64")
    results["error/batch"] = failure(lambda: inst.train(x[:6], y[:6]))
    results["error/batch_by_keyword"] = failure(lambda: inst.train(x=x[:10], y=y[:10]))
    results["error/batch_refused_changes_nothing"] = bool(
        np.array_equal(np.asarray(inst["model.layers.0.w"]), symmodule.state_dict(inst)["model.layers.0.w"])
    )
    odd = symmodule.Module()
    odd.w = T.dmatrix()
    odd.step = symmodule.Method([], [], w=odd.w * 2)
    results["error/member_at_make"] = failure(
        lambda: odd.make(mesh=mesh, sharding={"w": P(None, "model")}, w=np.ones((2, 3)))
    )
    fine = odd.make(mesh=mesh, sharding={"w": P(None, "model")}, w=np.ones((2, 4)))
    results["error/member_written"] = failure(lambda: setattr(fine, "w", np.ones((2, 5))))
    results["error/member_written_keeps_value"] = np.asarray(fine.w).shape == (2, 4)
    static = symmodule.Module()
    static.w = symmodule.Member(T.tensor(dtype="float64", shape=(3, 6)))
    static.step = symmodule.Method([], [], w=static.w * 2)
    results["error/static_shape_at_make"] = failure(lambda: static.make(mesh=mesh, sharding={"w": P("data")}))


SCENARIOS = {
    "agreement": agreement,
    "outputs": outputs,
    "random": random_streams,
    "checkpoint": checkpoints,
    "memory": memory,
    "refusals": refusals,
}


def main(names: list[str]) -> None:
    assert len(jax.devices()) == 8, jax.devices()
    results: dict = {"jax": jax.__version__}
    for name in names or SCENARIOS:
        SCENARIOS[name](results)
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
