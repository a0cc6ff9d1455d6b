"""A local stand-in for Gravix Layer's inference API, for recording cassettes.

It speaks the wire format of Gravix's Ollama backend, in either of two Ollama
versions (``ollama="2025"``, the default, or ``"current"``; see
:mod:`tests.stand_in.ollama`); it is a recording source, not a test oracle.
Start one with ``StandInServer()``, script answers with ``server.script(fn)``
/ ``server.script_queue([Reply(...)])``, and inject faults with
``server.fail_next(...)``.
"""

from tests.stand_in.ollama import OLLAMA_ENV, VERSIONS, ollama_from_env
from tests.stand_in.responder import Reply, Responder, default_responder
from tests.stand_in.server import StandInServer

__all__ = [
    "OLLAMA_ENV",
    "VERSIONS",
    "Reply",
    "Responder",
    "StandInServer",
    "default_responder",
    "ollama_from_env",
]
