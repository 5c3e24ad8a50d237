"""Content-Encoding decoding in bounded pieces, so the byte cap holds for compressed bodies.

httpx decodes each network chunk whole: 64 KB of gzip can become 64 MB, and 1.6 KB of brotli
became 1 GB before the byte cap was ever checked. Here every decoder yields its output in
pieces of at most ``PIECE`` bytes, and asks for more input only when the last piece is out,
so the fetcher can stop at the cap having held no more than about the cap in memory.

We ask for gzip, deflate and br only. zstd is refused with a clear error rather than decoded:
we never offer it, the field-standard decoder (``zstandard``) is not a dependency, and a
server that sends an encoding it was not offered is answering some other client.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator

import brotli

from digest.errors import FetchError

ACCEPT_ENCODING = "gzip, deflate, br"
PIECE = 65_536

Decoder = Callable[[Iterable[bytes]], Iterator[bytes]]


class UndecodableBody(FetchError):
    """The body's Content-Encoding is unknown, refused, or its data is corrupt."""


def _inflate(
    chunks: Iterable[bytes], wbits: int, fallback_wbits: int | None = None
) -> Iterator[bytes]:
    decoder = zlib.decompressobj(wbits)
    started = False
    for chunk in chunks:
        data = chunk
        while data:
            try:
                out = decoder.decompress(data, PIECE)
            except zlib.error:
                if started or fallback_wbits is None:
                    raise
                # "deflate" should be zlib-wrapped, but some servers send raw deflate.
                decoder, fallback_wbits = zlib.decompressobj(fallback_wbits), None
                continue
            started = True
            if out:
                yield out
            data = decoder.unconsumed_tail
            # A full piece may leave output pending inside zlib with no input left.
            while not data and len(out) == PIECE:
                out = decoder.decompress(b"", PIECE)
                if out:
                    yield out
            if decoder.eof:
                break


def _gzip(chunks: Iterable[bytes]) -> Iterator[bytes]:
    return _inflate(chunks, zlib.MAX_WBITS | 16)


def _deflate(chunks: Iterable[bytes]) -> Iterator[bytes]:
    return _inflate(chunks, zlib.MAX_WBITS, -zlib.MAX_WBITS)


def _brotli(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decoder = brotli.Decompressor()
    for chunk in chunks:
        out = decoder.process(chunk, output_buffer_limit=PIECE)
        if out:
            yield out
        # Until it can take input again, brotli holds output for us: drain it piece by piece.
        while not decoder.can_accept_more_data():
            out = decoder.process(b"", output_buffer_limit=PIECE)
            if out:
                yield out


def _identity(chunks: Iterable[bytes]) -> Iterator[bytes]:
    yield from chunks


DECODERS: dict[str, Decoder] = {
    "identity": _identity,
    "gzip": _gzip,
    "x-gzip": _gzip,
    "deflate": _deflate,
    "br": _brotli,
}


def decoded(chunks: Iterable[bytes], content_encoding: str) -> Iterator[bytes]:
    """The body in bounded pieces, undoing every encoding listed (last applied, first undone)."""
    names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
    stream: Iterable[bytes] = chunks
    for name in reversed(names):
        decoder = DECODERS.get(name)
        if decoder is None:
            raise UndecodableBody(
                f"Content-Encoding {name!r} is not supported (seatwatch asks for "
                f"{ACCEPT_ENCODING}); the server sent an encoding it was not offered"
            )
        stream = decoder(stream)
    try:
        yield from stream
    except (zlib.error, brotli.error) as exc:
        raise UndecodableBody(f"{'/'.join(names)} body is corrupt ({exc})") from exc
