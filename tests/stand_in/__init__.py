"""A local stand-in for Gravix Layer's inference API, for recording cassettes.

It speaks the wire format of Gravix's Ollama backend as of mid-2025 (see
``/work/shared/reference/gravix-api.md`` §4.2 and its Appendix); it is a
recording source, not a test oracle. Start one with ``StandInServer()``, script
answers with ``server.script(fn)`` / ``server.script_queue([Reply(...)])``, and
inject faults with ``server.fail_next(...)``.
"""

from tests.stand_in.responder import Reply, Responder, default_responder
from tests.stand_in.server import StandInServer

__all__ = ["Reply", "Responder", "StandInServer", "default_responder"]
