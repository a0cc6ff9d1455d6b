"""``python -m langchain_gravix_vision.cli``: the same as ``gravix-vision``."""

import sys

from langchain_gravix_vision.cli._main import main

if __name__ == "__main__":
    sys.exit(main())
