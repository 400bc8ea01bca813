"""A keywarden service client for Python backends: standard library only (urllib, json).

    from keywarden_client import KeywardenClient

    kw = KeywardenClient("http://127.0.0.1:3000", service_key=os.environ["KEYWARDEN_SERVICE_KEY"])
    answer = kw.verify(api_key_from_request, scopes=["users:read"])
    if answer["valid"]:
        owner = answer["key"]["ownerId"]
    resolved = kw.resolve(owner, "openai", team_ids=["acme"])
    openai_key = resolved["apiKey"]  # resolved["source"]: "user" | "team" | "platform"

The service key is a keywarden key with the scope keywarden:verify (for verify) and/or
keywarden:resolve (for resolve); keywarden:admin implies both.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Optional, Sequence


class KeywardenError(Exception):
    """The service refused the call or could not answer: `status` is the HTTP status (0 = no answer)."""

    def __init__(self, status: int, detail: str, problem: Optional[dict] = None):
        super().__init__(f"keywarden answered {status}: {detail}" if status else f"keywarden: {detail}")
        self.status = status
        self.detail = detail
        self.problem = problem or {}


class KeywardenAuthError(KeywardenError):
    """401 or 403: the service key is missing, invalid, or lacks the scope the route needs."""


class KeywardenNotFound(KeywardenError):
    """404: for resolve, the owner has no stored key for that provider."""


class KeywardenBudgetExceeded(KeywardenError):
    """402: for resolve, every key the provider's policy allows is over its monthly budget."""


class KeywardenUnavailable(KeywardenError):
    """5xx or no connection: keywarden's store is down or unreachable. Never treat it as a valid key."""


class KeywardenClient:
    def __init__(self, base_url: str, service_key: str, timeout: float = 5.0):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be the keywarden server's URL, e.g. http://127.0.0.1:3000")
        if not service_key:
            raise ValueError("service_key must be a keywarden key with keywarden:verify or keywarden:resolve")
        self._base = base_url.rstrip("/")
        self._service_key = service_key
        self._timeout = timeout

    def verify(
        self,
        key: str,
        scopes: Optional[Sequence[str]] = None,
        cost: Optional[int] = None,
        requirement: Optional[str] = None,
    ) -> dict:
        """Checks `key` (spending `cost` credits, default 1). Returns the answer as a dict:
        {"valid": bool, "code": "VALID" | "NOT_FOUND" | ..., "key": {...}, "remaining": ...}.
        A refused key is an answer, not an exception."""
        body: dict[str, Any] = {"key": key}
        if scopes is not None:
            body["scopes"] = list(scopes)
        if cost is not None:
            body["cost"] = cost
        if requirement is not None:
            body["requirement"] = requirement
        return self._post("/api/verify", body)

    def resolve(self, owner_id: str, provider: str, team_ids: Optional[Sequence[str]] = None) -> dict:
        """The provider key the owner should use: their own, else the first of `team_ids` holding one,
        else the platform key, as the provider's fallback policy allows. Returns {"provider", "apiKey",
        "source": "user" | "team" | "platform", "ref", "teamId", "expiresAt"}; keep apiKey in memory
        only, report usage against ref. Raises KeywardenNotFound when no allowed key exists (reason
        MISSING), KeywardenBudgetExceeded when every allowed key is over its budget."""
        body: dict[str, Any] = {"ownerId": owner_id, "provider": provider}
        if team_ids is not None:
            body["teamIds"] = list(team_ids)
        return self._post("/api/byok/resolve", body)

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            self._base + path,
            data=json.dumps(body).encode("utf-8"),
            method="POST",
            headers={
                "Authorization": f"Bearer {self._service_key}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise _problem_error(error) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise KeywardenUnavailable(0, f"cannot reach {self._base} ({reason})") from None


def _problem_error(error: urllib.error.HTTPError) -> KeywardenError:
    try:
        problem = json.loads(error.read().decode("utf-8"))
    except ValueError:
        problem = {}
    detail = problem.get("detail") if isinstance(problem, dict) else None
    detail = detail or error.reason or "no detail"
    status = error.code
    if status in (401, 403):
        return KeywardenAuthError(status, detail, problem)
    if status == 404:
        return KeywardenNotFound(status, detail, problem)
    if status == 402:
        return KeywardenBudgetExceeded(status, detail, problem)
    if status >= 500:
        return KeywardenUnavailable(status, detail, problem)
    return KeywardenError(status, detail, problem)
