"""`python -m sincere` runs the command line."""

from sincere.cli.main import main

main()
