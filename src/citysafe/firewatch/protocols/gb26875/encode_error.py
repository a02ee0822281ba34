"""``EncodeError``, alone at the bottom of the codec: the objects raise it, and ``errors`` (which reads
a frame's header with the model, and so sits above the objects) re-exports it with the FrameErrors."""

from __future__ import annotations

__all__ = ["EncodeError"]


class EncodeError(ValueError):
    """A value that cannot be encoded (out of range or the wrong object kind for the ADU type)."""
