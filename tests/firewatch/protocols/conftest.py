"""Make the shared helper module importable by name under any pytest --import-mode.

The tests directories have no __init__.py; the default "prepend" mode already puts this directory on
sys.path, "importlib" mode does not, and the helpers must not depend on which one the project picks.
"""

import sys
from pathlib import Path

_HERE = str(Path(__file__).parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
