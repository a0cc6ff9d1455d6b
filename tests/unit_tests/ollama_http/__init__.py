"""The stand-in over raw HTTP, per emulated Ollama version."""
