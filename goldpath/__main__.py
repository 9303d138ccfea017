"""``python -m goldpath`` runs the command line."""

from goldpath.cli import main

main()
