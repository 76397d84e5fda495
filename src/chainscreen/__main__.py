"""``python -m chainscreen`` runs the CLI."""

from chainscreen.cli import main

main()
