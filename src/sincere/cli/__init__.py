"""The `sincere` command: a thin Typer layer that parses, calls the library and prints.

`main.py` is the entry point; `app.py` holds the app the command modules register on.
"""
