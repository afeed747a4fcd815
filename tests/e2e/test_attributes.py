"""Matchable attributes through the edge, over REST as the console and flytectl use them."""

from __future__ import annotations

import uuid

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


async def test_project_domain_attributes_round_trip_and_fall_back(edge_http_url: str) -> None:
    project = f"attr-{uuid.uuid4().hex[:10]}"
    queue = {"execution_queue_attributes": {"tags": ["gpu", "large"]}}
    async with httpx.AsyncClient(base_url=edge_http_url) as client:
        await client.post("/api/v1/projects", json={"project": {"id": project, "name": "a"}})
        updated = await client.put(
            f"/api/v1/project_domain_attributes/{project}/development",
            json={
                "attributes": {
                    "project": project,
                    "domain": "development",
                    "matching_attributes": queue,
                }
            },
        )
        fetched = await client.get(
            f"/api/v1/project_domain_attributes/{project}/development",
            params={"resource_type": "EXECUTION_QUEUE"},
        )
        fallback = await client.get(
            f"/api/v1/workflow_attributes/{project}/development/some.workflow",
            params={"resource_type": "EXECUTION_QUEUE"},
        )
        missing = await client.get(
            f"/api/v1/project_domain_attributes/{project}/staging",
            params={"resource_type": "EXECUTION_QUEUE"},
        )
    assert updated.status_code == 200, updated.text
    attributes = fetched.json()["attributes"]
    assert attributes["matchingAttributes"]["executionQueueAttributes"]["tags"] == [
        "gpu",
        "large",
    ]
    assert fallback.status_code == 200
    assert fallback.json()["attributes"]["workflow"] == ""
    assert missing.status_code == 404
