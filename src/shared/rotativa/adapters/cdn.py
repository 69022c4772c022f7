"""The CloudFront distribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient


class Distribution:
    def __init__(self, distribution_id: str, client: CloudFrontClient | None = None) -> None:
        self.id = distribution_id
        self.client: CloudFrontClient = client or boto3.client("cloudfront")

    def invalidate(self, paths: Sequence[str], caller_reference: str) -> str:
        """CloudFront answers an already-used reference with the same paths by returning
        the existing invalidation; errors (throttling, too many in progress) propagate."""
        response = self.client.create_invalidation(
            DistributionId=self.id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                "CallerReference": caller_reference,
            },
        )
        return response["Invalidation"]["Id"]
