"""The frames between a worker and the owner, and the worker's test of a request still coming."""

from __future__ import annotations

from vtasksim.app.fast_http import REQUEST_LINE, might_be_fast, read_request
from vtasksim.app.workers.messages import CALL, DROP, GONE, REPLY, FrameReader, call_frame, frame, reply_frame


def test_frames_come_out_whole_however_the_bytes_are_cut() -> None:
    stream = (
        call_frame(1, {b"cookie": b"vmware_soap_session=x", b"soapaction": b'"urn:vim25/8.0.3.0"'}, ("127.0.0.1", 40000), False, b"<Envelope/>")
        + frame(GONE, 1)
        + reply_frame(2, 500, [(b"Content-Type", b"text/xml; charset=utf-8")], b"\x00\xff" * 3000)
        + frame(DROP, 3)
    )  # fmt: skip
    for size in (1, 7, 4096, len(stream)):
        reader = FrameReader()
        frames = [found for start in range(0, len(stream), size) for found in reader.feed(stream[start : start + size])]
        assert [(kind, call_id) for kind, call_id, _ in frames] == [(CALL, 1), (GONE, 1), (REPLY, 2), (DROP, 3)]
        assert frames[0][2] == ({b"cookie": b"vmware_soap_session=x", b"soapaction": b'"urn:vim25/8.0.3.0"'}, "127.0.0.1", 40000, False, b"<Envelope/>")
        assert frames[1][2] is None and frames[3][2] is None
        assert frames[2][2] == (500, [(b"Content-Type", b"text/xml; charset=utf-8")], b"\x00\xff" * 3000)


REQUEST = REQUEST_LINE + b"Host: h\r\nContent-Length: 11\r\n\r\n<Envelope/>"


def test_a_request_still_coming_may_be_fast_until_it_shows_otherwise() -> None:
    """A worker waits for more bytes of what may yet be a whole fast-path request, and passes on
    at once what never will be one."""
    assert read_request(REQUEST, 0, 1000) is not None
    for cut in (1, 5, len(REQUEST_LINE), len(REQUEST) - 20, len(REQUEST) - 1):
        assert read_request(REQUEST[:cut], 0, 1000) is None and might_be_fast(REQUEST[:cut], 0, 1000), cut
    assert not might_be_fast(b"GET /sdk/vimService.wsdl HTTP/1.1\r\n", 0, 1000)
    assert not might_be_fast(b"POST /sdk HTTP/1.0\r\n", 0, 1000)
    assert not might_be_fast(REQUEST[:-3], 0, 10), "a body over the limit: the owner's site refuses it"
    chunked = REQUEST_LINE + b"Host: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n"
    assert not might_be_fast(chunked, 0, 1000)
