"""gRPC transport of the reviews service: proto → service → proto, nothing else."""

from __future__ import annotations

import grpc

from bst.reviews.v1 import reviews_pb2, reviews_pb2_grpc
from services.kernel.auth import current_principal
from services.kernel.rpc import Runtime, ServiceSpec
from services.reviews import service
from services.reviews.consumers import RepairRatings
from services.reviews.models import OutboxEvent, ProcessedEvent


class ReviewsServicer(reviews_pb2_grpc.ReviewsServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db

    async def GetIndicators(
        self, request: reviews_pb2.GetIndicatorsRequest, context: grpc.aio.ServicerContext
    ) -> reviews_pb2.Indicators:
        async with self.db.reader() as session:
            indicators = await service.get_indicators(session=session, region=request.region)
        return reviews_pb2.Indicators(**indicators.model_dump())

    async def CountMyReviews(
        self, request: reviews_pb2.CountMyReviewsRequest, context: grpc.aio.ServicerContext
    ) -> reviews_pb2.CountMyReviewsResponse:
        async with self.db.reader() as session:
            count = await service.count_reviews_by(session=session, principal=current_principal.get())
        return reviews_pb2.CountMyReviewsResponse(count=count)


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    reviews_pb2_grpc.add_ReviewsServiceServicer_to_server(ReviewsServicer(runtime), server)


SPEC = ServiceSpec(
    name="reviews",
    full_names=[reviews_pb2.DESCRIPTOR.services_by_name["ReviewsService"].full_name],
    register=register,
    outbox_model=OutboxEvent,
    processed_model=ProcessedEvent,
    consumers=[RepairRatings],
)
