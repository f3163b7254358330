"""A small GraphQL client over the ASGI app, for tests."""

from typing import Any

import httpx


class GraphQLClient:
    """Posts GraphQL documents to /graphql; remembers a bearer token once given one."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token: str | None = None
        self.language: str | None = None

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        bearer = token if token is not None else self.token
        if bearer:
            sent["Authorization"] = f"Bearer {bearer}"
        if self.language:
            sent.setdefault("Accept-Language", self.language)
        return await self.http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=sent)

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Run a document and return `data`; fails the test on GraphQL errors."""
        response = await self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body["errors"]
        return dict(body["data"])

    async def errors(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        """Run a document expected to fail with GraphQL errors and return them."""
        response = await self.post(query, variables, **kwargs)
        body = response.json()
        assert body.get("errors"), body
        return list(body["errors"])
