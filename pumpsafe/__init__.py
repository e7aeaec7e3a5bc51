"""pumpsafe: safety verification and hazard analysis for implanted intrathecal baclofen pumps."""

from pathlib import Path as _Path

__version__ = "0.1.0"

# Installed, the sub-packages live inside this folder (pumpsafe/model, ...). In a source
# checkout they are its siblings (model/, proofs/, ...), and `python -m pumpsafe` run from the
# checkout imports this folder before the installed package: let it find them there too.
_checkout = _Path(__file__).resolve().parent.parent
if not (_Path(__file__).parent / "model").is_dir() and (_checkout / "model" / "rules.py").is_file():
    __path__.append(str(_checkout))
