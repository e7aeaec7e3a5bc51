"""Safety requirements as properties over the pump model, Z3 engines, model-derived cut sets."""
