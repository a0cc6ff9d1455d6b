"""The vision tools over the Model Context Protocol (``gravix-vision mcp``).

``server`` builds the MCP server from the toolkit's tools; ``_transports``
runs it over stdio or Streamable HTTP (bearer auth, loopback checks). Needs
the ``[mcp]`` extra at run time only.
"""

from langchain_gravix_vision.mcp.server import VisionMCPServer, main

__all__ = ["VisionMCPServer", "main"]
