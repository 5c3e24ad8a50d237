"""Allow ``python -m digest``."""

from digest.cli import main

# Guarded: worker processes (spawned for big polls) import this module again.
if __name__ == "__main__":
    main()
