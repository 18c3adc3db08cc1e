"""`python -m assistent`: the same as the `assistent` command."""

from assistent.cli import main

if __name__ == "__main__":
    main()
