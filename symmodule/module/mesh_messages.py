"""The messages of instances made on a device mesh (``make(mesh=..., sharding=...)``).

Each says what went wrong, where (the member's path, the method, the rule)
and how to fix it; :mod:`symmodule.module.mesh` raises them.
"""

from __future__ import annotations

__all__ = [
    "MESH_AMBIGUOUS_RULES",
    "MESH_AXIS_REPEATED",
    "MESH_BAD_RULE_KEY",
    "MESH_BAD_SPEC",
    "MESH_BATCH_NOT_DIVISIBLE",
    "MESH_NO_DATA_AXIS",
    "MESH_NOT_A_MESH",
    "MESH_NOT_JAX",
    "MESH_NOT_PICKLABLE",
    "MESH_RULES_NOT_A_MAPPING",
    "MESH_RULE_MATCHES_NOTHING",
    "MESH_SHAPE_NOT_DIVISIBLE",
    "MESH_SHARDING_WITHOUT_MESH",
    "MESH_SPEC_NOT_A_TENSOR",
    "MESH_SPEC_TOO_LONG",
    "MESH_UNKNOWN_AXIS",
]

MESH_NOT_A_MESH = (
    "make(mesh=...) takes a jax.sharding.Mesh, not {given}. Build one with "
    "jax.make_mesh((n,), ('data',)) (or a (data, model) shape such as "
    "jax.make_mesh((4, 2), ('data', 'model')))."
)

MESH_NO_DATA_AXIS = (
    "make(mesh=...): the mesh has the axes {axes}, none of them named 'data'; method "
    "inputs are split over the 'data' axis. Name one axis 'data', e.g. "
    "jax.make_mesh({shape}, ('data', ...)) (an axis of size 1 is fine for a model-parallel run)."
)

MESH_SHARDING_WITHOUT_MESH = (
    "make(sharding=...) was given without a mesh: a sharding rule says how a member is split over "
    "a mesh's devices. Pass mesh=jax.make_mesh(...) too, or leave sharding out."
)

MESH_NOT_JAX = (
    "{where} is compiled in mode {mode!r}, but an instance on a device mesh runs every method as "
    "one JAX computation. Use mode='JAX' (or leave mode out: a mesh defaults to it){fix}."
)

MESH_BAD_RULE_KEY = (
    "make(sharding=...): the key {key!r} is not a string. Keys are member paths ('layer.w'), "
    "path globs ('layers.*.w') or roles ('param', or a tag of yours)."
)

MESH_BAD_SPEC = (
    "make(sharding=...): the rule {key!r} maps to {given}, not to a "
    "jax.sharding.PartitionSpec. Write e.g. {{{key!r}: PartitionSpec(None, 'model')}} "
    "(None or PartitionSpec() keeps the member whole on every device)."
)

MESH_RULES_NOT_A_MAPPING = (
    "make(sharding=...) takes a dict of rules, {{key: PartitionSpec}}, not {given}: e.g. "
    "sharding={{'embedding.w': PartitionSpec(None, 'model')}}."
)

MESH_RULE_MATCHES_NOTHING = (
    "make(sharding=...): the rule {key!r} matches no member's path and no member has it as a "
    "role. Member paths: {paths}; roles: {roles}."
)

MESH_AMBIGUOUS_RULES = (
    "make(sharding=...): the member {member!r} is matched by {rules}, which give different "
    "shardings ({specs}). Give it a rule by its own path, e.g. {{{member!r}: {first}}}: an exact "
    "path wins over a glob, and a glob over a role."
)

MESH_UNKNOWN_AXIS = (
    "make(sharding=...): the member {member!r} (rule {key!r}) is split over the axis {axis!r}, "
    "but the mesh's axes are {axes}. Use one of them, or build the mesh with that axis."
)

MESH_AXIS_REPEATED = (
    "make(sharding=...): the member {member!r} (rule {key!r}) is split twice over the axis "
    "{axis!r} ({spec}); an axis may split one dimension only. Drop one of them."
)

MESH_SPEC_NOT_A_TENSOR = (
    "make(sharding=...): the member {member!r} (rule {key!r}) is a {type}, not an array, and "
    "cannot be split; it is kept whole on every device. Remove its rule."
)

MESH_SPEC_TOO_LONG = (
    "make(sharding=...): the member {member!r} (rule {key!r}) has {ndim} dimension(s), but "
    "{spec} splits {length}. Give it a rule of its own with at most {ndim} entries, e.g. "
    "{{{member!r}: {fix}}}."
)

MESH_SHAPE_NOT_DIVISIBLE = (
    "Member {member!r}: dimension {axis} has length {length}, which does not divide into the "
    "{size} devices of the mesh axis {mesh_axis!r} it is split over ({spec}). Give it a length "
    "that is a multiple of {size}, or keep that dimension whole with "
    "make(sharding={{{member!r}: {fix}}})."
)

MESH_BATCH_NOT_DIVISIBLE = (
    "{where}: the argument {name!r} has {length} rows, which do not split evenly over the "
    "{size} devices of the mesh's 'data' axis (each device takes an equal share of the batch). "
    "Pass a batch whose first dimension is a multiple of {size} (e.g. {lower} or {upper} rows), "
    "or make the instance on a mesh whose 'data' axis divides it."
)

MESH_NOT_PICKLABLE = (
    "An instance made on a device mesh does not pickle: its compiled code and its arrays belong "
    "to this process's devices. Save its values with symmodule.save(inst, path) and load them "
    "with symmodule.load(path, into=other) into an instance made on any mesh (or on one device)."
)
