"""Allow ``python -m digest``."""

from digest.cli.launch import main

# Guarded: the worker fork server (and spawned workers) import this module again.
if __name__ == "__main__":
    main()
