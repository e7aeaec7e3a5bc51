"""Property-based testing and fuzzing of the pump model with Hypothesis.

The state machine is generated from the model's rules (:mod:`.machine`), checks every
requirement of the catalogue after every step with the concrete monitor, and writes its shrunk
failures as ``pumpsafe.trace/1`` traces. :mod:`.campaign` runs it in worker processes that share
one example database (``pumpsafe fuzz``).
"""
