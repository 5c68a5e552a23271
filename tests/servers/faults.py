"""Misbehaviours both misbehaving servers share: a dripping answer and a gzip bomb."""

from __future__ import annotations

import time
import zlib

_BOMBS: dict[bytes, bytes] = {}


def drip(handler, content_type: str, body: bytes, pause: float = 0.3) -> None:
    """Answer ``body`` one byte every ``pause`` seconds: each read is quick, the whole is not."""
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        for index in range(len(body)):
            handler.wfile.write(body[index:index + 1])
            handler.wfile.flush()
            time.sleep(pause)
    except OSError:
        pass  # the client gave up, as it should


def gzip_bomb(filler: bytes = b"0") -> bytes:
    """64 gzip members of 64 MB of ``filler`` each: 4 GB once decompressed, about 4 MB sent."""
    if filler not in _BOMBS:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        member = b"".join(compressor.compress(filler * (1 << 20)) for _ in range(64)) + compressor.flush()
        _BOMBS[filler] = member * 64
    return _BOMBS[filler]
