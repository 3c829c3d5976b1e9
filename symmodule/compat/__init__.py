"""Theano's names under symmodule: every public name of Theano 0.4.1 and early 2009 is accounted for.

``theano_names.tsv`` lists them, namespace by namespace, with what
symmodule answers: the name itself, an alias of PyTensor's equivalent (or a
thin implementation in :mod:`symmodule.compat.shims`), or a refusal whose
error (:class:`TheanoNameGone`, an ``AttributeError``; :class:`TheanoModuleGone`,
an ``ImportError``) says why the name is gone and what replaces it. The
modules named after Theano's namespaces end their attribute lookup here
(:func:`theano_attribute`); their ``dir()`` stays what it was.
"""

from symmodule.compat.errors import TheanoModuleGone, TheanoNameGone
from symmodule.compat.importer import install
from symmodule.compat.names import Entry, entries, lookup, theano_attribute

__all__ = ["Entry", "TheanoModuleGone", "TheanoNameGone", "entries", "lookup", "theano_attribute"]

install()
