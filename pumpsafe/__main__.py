"""`python -m pumpsafe` runs the command-line interface."""

from pumpsafe.cli import main

main()
