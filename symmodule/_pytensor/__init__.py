"""Every PyTensor internal symmodule relies on, in one place.

symmodule builds on PyTensor's public API (``pytensor.function``, ``Mode``,
``In``/``Out``, ``Container``, ``Op``, graph traversal, ``config``) and, in a
few places, on what PyTensor does not promise to keep: private attributes,
module-level helpers, the layout of its rewrite database, what its linkers
and tracebacks hold. Each such touch point is one name below; the rest of
symmodule reaches them only through this module, and
``tests/test__pytensor.py`` checks each one directly (one test per name), so
a PyTensor release that changes one of them fails that test by name.

Every docstring says which internal the name relies on. All were checked
against PyTensor 3.0.7 and 3.3.8 (symmodule supports 3.0.7 to 3.3.x).

The names live in files by subject: ``functions.py`` (building a function,
its inputs), ``updates.py`` (storing a call's updates at once),
``failures.py``, ``profiling.py``, ``config.py`` (configuration and BLAS),
``linkers.py``, ``jax.py`` (the JAX backend) and ``ops.py`` (Ops and
rewrites); the rest of symmodule imports them from here.
"""

from symmodule._pytensor.config import *  # noqa: F403
from symmodule._pytensor.failures import *  # noqa: F403
from symmodule._pytensor.functions import *  # noqa: F403
from symmodule._pytensor.jax import *  # noqa: F403
from symmodule._pytensor.linkers import *  # noqa: F403
from symmodule._pytensor.ops import *  # noqa: F403
from symmodule._pytensor.profiling import *  # noqa: F403
from symmodule._pytensor.updates import *  # noqa: F403

__all__ = [
    "AFTER_STABILIZE",
    "BEFORE_BLAS",
    "BEFORE_ELEMWISE_FUSION",
    "DebugFunctionMaker",
    "DonatingJAXLinker",
    "FailedNode",
    "IndexCheckedJAXLinker",
    "MERGED_PROFILE_TABLES",
    "PREPARE_JAX",
    "NUMBA_UNCHECKED_INDEX_OPS",
    "SUMMED_PROFILE_FIELDS",
    "ShardedJAXLinker",
    "SymbolicOp",
    "add_input_key",
    "advanced_index_axes",
    "call_inputs",
    "compile_jit_once",
    "config_flag_is_read",
    "donates",
    "empty_storage",
    "failing_node",
    "find_input",
    "function_inputs_outputs",
    "has_input",
    "infer_shape_method",
    "inline_graph_op",
    "is_jit_linker",
    "is_missing_blas_warning",
    "jax_generator",
    "linker_kind",
    "load_jax_backend",
    "node_being_compiled",
    "numba_dispatcher",
    "numba_njit",
    "numba_signature",
    "numpy_generator",
    "prepare_jax_dispatch",
    "python_elemwise_folds_variadic",
    "read_blas_flags",
    "register_function_pickling",
    "register_jax_funcify",
    "register_numba_funcify",
    "release_failure",
    "relinked",
    "scan_step_parts",
    "schedule_updates_last",
    "set_return_none",
    "store_updates_at_once",
    "sum_profile_stats",
    "updated_inputs",
    "updates_last_order",
]
