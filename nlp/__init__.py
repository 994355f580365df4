"""clearpost: audit influencer posts for disclosure, tone and authenticity.

The library imports neither the web framework nor the training stack.
"""

__version__ = "0.1.0"

CODE_VERSION = __version__
