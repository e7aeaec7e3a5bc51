"""pumpsafe: safety verification and hazard analysis for implanted intrathecal baclofen pumps."""

__version__ = "0.1.0"
