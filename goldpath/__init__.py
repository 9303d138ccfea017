"""goldpath: an open-source customer health engine.

Every account gets two separate scores, Engagement and Indispensability, a tier (Red,
Yellow, Green) from rules over both, and GOLD when Green value is defined, achieved and
acknowledged by the customer's team, sponsors and finance.
"""

from goldpath.errors import ConfigError, GoldpathError, SourceError
from goldpath.workspace import Workspace

__version__ = "0.1.0"
__all__ = ["ConfigError", "GoldpathError", "SourceError", "Workspace", "__version__"]
