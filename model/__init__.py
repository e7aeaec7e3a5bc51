"""The pump model: device configuration, state, rules (one source), and their two semantics."""
