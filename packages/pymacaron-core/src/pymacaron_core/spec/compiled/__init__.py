"""The structure checks' validators, generated ahead of time (see :mod:`pymacaron_core.spec.structure`).

``_structure_2_0.py``, ``_structure_3_0.py`` and ``_structure_3_1.py`` are written by
``python -m pymacaron_core.spec.compiled``; never edit them by hand.
"""
