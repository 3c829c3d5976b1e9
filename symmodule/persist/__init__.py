"""Saving and loading instance state: state dicts and checkpoint files.

* :func:`state_dict` / :func:`load_state_dict` — an instance's state as
  ``{dotted.path: numpy array}``, one entry per piece of storage (RandomStreams
  generators included), and back; a strict load is all or nothing.
* :func:`save` / :func:`load` — the same state in a safetensors file, written
  atomically; loading never runs code from the file.
* :func:`read_checkpoint` — a file's state dict and metadata, without an instance.

``docs/saving.md`` is the user's guide. ``checkpoint.py`` documents the file
layout and holds the public functions; ``metadata.py`` makes and checks the
metadata, ``files.py`` opens, reads and writes files; the safetensors package
writes and parses the format itself.
"""

from symmodule.persist.checkpoint import (
    FORMAT,
    FORMAT_VERSION,
    load,
    read_checkpoint,
    save,
)
from symmodule.persist.state import (
    LoadResult,
    StateDict,
    decode_generator,
    encode_generator,
    load_state_dict,
    state_dict,
)

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "LoadResult",
    "StateDict",
    "decode_generator",
    "encode_generator",
    "load",
    "load_state_dict",
    "read_checkpoint",
    "save",
    "state_dict",
]
