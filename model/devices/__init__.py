"""Built-in device configuration files (package data)."""
