"""``python -m datacard`` runs the CLI."""

from datacard.cli import main

main()
