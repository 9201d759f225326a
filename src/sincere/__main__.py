"""`python -m sincere` runs the command line."""

from sincere.cli import main

main()
