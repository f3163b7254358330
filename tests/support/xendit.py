"""A local Xendit for the test session (as stripe-mock is for Stripe): an HTTP server on 127.0.0.1 that speaks
the documented requests the SDK sends, keeps what they made, and writes the callbacks Xendit would send.

- `POST /payment_requests`: a QRIS payment request (Basic auth with the secret key, `idempotency-key`: the same
  key again answers the same request); its `qr_string` a dynamic QRIS for exactly the amount.
- `POST /refunds`, `GET /refunds/{id}`: refunds of a paid request, never more than was paid, keyed the same way;
  `refund_state` / `refund_failure` say how the next new refund ends.
- Faults made, not mocked: `stall_seconds` holds every call that long before doing anything (slower than
  the client's timeout), `answer_late_seconds` does the work and then answers that late (the answer is
  lost), `fail_status` answers that status instead.
- `pay(request_id)`: the request paid; returns the `payment.succeeded` callback's headers and body.
"""

import base64
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from tests.support.qris import tlv, with_crc

API_KEY = "xnd_development_pasar_test_key"
CALLBACK_TOKEN = "pasar-callback-token-0123456789"
BUSINESS_ID = "5f27a14a9bf05c73dd040bc8"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def gateway_qr_string(amount: int, reference: str) -> str:
    """A dynamic QRIS as Xendit's acquirer would make it: point of initiation 12, the amount in tag 54."""
    account = tlv("00", "ID.CO.XENDIT.WWW") + tlv("01", "936009150000000001") + tlv("02", "XND0001") + tlv("03", "UMI")
    body = (
        tlv("00", "01") + tlv("01", "12") + tlv("26", account)
        + tlv("51", tlv("00", "ID.CO.QRIS.WWW") + tlv("02", "ID2020000000001")) + tlv("52", "5411")
        + tlv("53", "360") + tlv("54", str(amount)) + tlv("58", "ID") + tlv("59", "PASAR ONLINE")
        + tlv("60", "MALANG") + tlv("62", tlv("01", reference[:25]))
    )  # fmt: skip
    return with_crc(body)


@dataclass
class FakeXendit:
    """The server's state: what was asked and made, and how it should behave next."""

    port: int = 0
    requests: dict[str, dict[str, Any]] = field(default_factory=dict)  # payment requests by id
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every call
    refund_state: str = "SUCCEEDED"
    refund_failure: str | None = None
    stall_seconds: float = 0.0
    answer_late_seconds: float = 0.0  # made the refund or request, then answers this late (a lost answer)
    fail_status: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.refunds.clear()
            self.by_key.clear()
            self.calls.clear()
            self.refund_state, self.refund_failure = "SUCCEEDED", None
            self.stall_seconds, self.answer_late_seconds, self.fail_status = 0.0, 0.0, None

    def created(self, kind: str) -> list[tuple[str, str]]:
        return [c for c in self.calls if c == ("POST", kind)]

    # -- what the server does ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.calls.append((method, path))
        if self.stall_seconds:
            time.sleep(self.stall_seconds)
        if self.fail_status is not None:
            return self.fail_status, {"error_code": "SERVER_ERROR", "message": "made to fail by the test"}
        expected = "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()
        if headers.get("authorization") != expected:
            return 401, {"error_code": "INVALID_API_KEY", "message": "API key is invalid"}
        if method == "GET" and path.startswith("/refunds/"):
            refund = self.refunds.get(path.removeprefix("/refunds/"))
            return (200, refund) if refund else (404, {"error_code": "DATA_NOT_FOUND", "message": "no such refund"})
        if method != "POST" or path not in ("/payment_requests", "/refunds"):
            return 404, {"error_code": "NOT_FOUND", "message": f"{method} {path}"}
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return 400, {"error_code": "API_VALIDATION_ERROR", "message": "body is not JSON"}
        key = headers.get("idempotency-key")
        with self.lock:
            if key and (path, key) in self.by_key:
                return self.by_key[(path, key)]
            answer = self._payment_request(data) if path == "/payment_requests" else self._refund(data)
            if key and answer[0] < 500:
                self.by_key[(path, key)] = answer
        if self.answer_late_seconds:
            time.sleep(self.answer_late_seconds)
        return answer

    def _payment_request(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method = data.get("payment_method") or {}
        amount = data.get("amount")
        if (
            data.get("currency") != "IDR"
            or not isinstance(amount, int | float)
            or amount < 1
            or amount != int(amount)
            or method.get("type") != "QR_CODE"
            or (method.get("qr_code") or {}).get("channel_code") != "QRIS"
            or not data.get("reference_id")
        ):
            return 400, {"error_code": "API_VALIDATION_ERROR", "message": "not a QRIS payment request"}
        request_id, stamp = f"pr-{uuid.uuid4()}", _now()
        answer = {
            "id": request_id, "business_id": BUSINESS_ID, "reference_id": data["reference_id"],
            "currency": "IDR", "amount": amount, "country": data.get("country", "ID"), "status": "PENDING",
            "capture_method": "AUTOMATIC", "created": stamp, "updated": stamp, "description": None,
            "metadata": None, "actions": [],
            "payment_method": {
                "id": f"pm-{uuid.uuid4()}", "type": "QR_CODE",
                "reusability": method.get("reusability", "ONE_TIME_USE"), "status": "ACTIVE",
                "reference_id": f"pm-ref-{uuid.uuid4().hex[:8]}", "created": stamp, "updated": stamp,
                "qr_code": {
                    "amount": amount, "currency": "IDR", "channel_code": "QRIS",
                    "channel_properties": {"qr_string": gateway_qr_string(int(amount), data["reference_id"])},
                },
            },
        }  # fmt: skip
        self.requests[request_id] = answer | {"paid": 0, "refunded": 0}
        return 201, answer

    def _refund(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = self.requests.get(str(data.get("payment_request_id")))
        if request is None or request["status"] != "SUCCEEDED":
            return 404, {"error_code": "DATA_NOT_FOUND", "message": "no paid payment request"}
        amount = data.get("amount", request["paid"] - request["refunded"])
        if not isinstance(amount, int | float) or amount <= 0 or amount > request["paid"] - request["refunded"]:
            return 400, {"error_code": "REFUND_AMOUNT_EXCEEDED", "message": "more than is left to refund"}
        state = self.refund_state
        if state != "FAILED":
            request["refunded"] += amount
        refund_id, stamp = f"rfd-{uuid.uuid4()}", _now()
        refund = {
            "id": refund_id, "payment_request_id": request["id"], "amount": amount, "channel_code": "QRIS",
            "country": "ID", "currency": "IDR", "reference_id": data.get("reference_id"), "status": state,
            "reason": data.get("reason"), "failure_code": self.refund_failure if state == "FAILED" else None,
            "refund_fee_amount": None, "created": stamp, "updated": stamp, "metadata": None,
        }  # fmt: skip
        self.refunds[refund_id] = refund
        return 200, refund

    def settle_refund(self, refund_id: str, state: str = "SUCCEEDED") -> None:
        """A refund the gateway was still working on, finished."""
        with self.lock:
            self.refunds[refund_id]["status"] = state

    def pay(self, request_id: str, *, amount: int | None = None, currency: str = "IDR") -> tuple[dict[str, str], bytes]:
        """The buyer paid the request: its `payment.succeeded` callback (headers and body), as Xendit sends it
        (`amount` and `currency` as the callback tells them, to make a tampered one)."""
        with self.lock:
            request = self.requests[request_id]
            request["status"] = "SUCCEEDED"
            request["paid"] = request["amount"]
            payment_id = request.setdefault("payment_id", f"py-{uuid.uuid4()}")
        stamp = _now()
        body = {
            "event": "payment.succeeded", "business_id": BUSINESS_ID, "created": stamp,
            "data": {
                "id": payment_id, "business_id": BUSINESS_ID, "payment_request_id": request_id,
                "reference_id": request["reference_id"], "currency": currency,
                "amount": request["amount"] if amount is None else amount, "country": "ID", "status": "SUCCEEDED",
                "payment_method": request["payment_method"], "channel_properties": None, "payment_detail": None,
                "failure_code": None, "metadata": None, "created": stamp, "updated": stamp,
            },
        }  # fmt: skip
        return {"x-callback-token": CALLBACK_TOKEN, "content-type": "application/json"}, orjson.dumps(body)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def start_fake_xendit() -> FakeXendit:
    """The server, on a free port, answering from a thread of its own until `stop()`."""
    fake = FakeXendit()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = fake.handle(self.command, self.path.split("?", 1)[0], headers, body)
            data = orjson.dumps(answer)
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout the test made)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.server, fake.port = server, int(server.server_address[1])
    threading.Thread(target=server.serve_forever, name="fake-xendit", daemon=True).start()
    return fake
