"""Hazard register, fault trees, fault-tree analysis and Open-PSA exchange."""
