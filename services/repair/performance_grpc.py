"""gRPC transport of the monthly review chain and the annual outlet assessment (`bst.repair.v1.RepairPerformance`)."""

from __future__ import annotations

from typing import Any, TypeAlias

import grpc

from bst.repair.v1 import performance_pb2, performance_pb2_grpc
from services.kernel.auth import current_principal
from services.kernel.rpc import Runtime
from services.repair import assessment, review_chain

Context: TypeAlias = grpc.aio.ServicerContext  # type: ignore[type-arg]


def _review(data: dict[str, Any]) -> performance_pb2.MonthlyReview:
    return performance_pb2.MonthlyReview(
        county=data["county"],
        month=data["month"],
        current=performance_pb2.MonthFigures(**data["current"]),
        steps=[
            performance_pb2.ReviewStep(**{**step, "figures": performance_pb2.MonthFigures(**step["figures"])})
            for step in data["steps"]
        ],
        next_stage=data["next_stage"],
    )


def _scheme(data: dict[str, Any]) -> performance_pb2.AssessmentScheme:
    return performance_pb2.AssessmentScheme(
        **{**data, "weights": performance_pb2.AssessmentWeights(**data["weights"])}
    )


class PerformanceServicer(performance_pb2_grpc.RepairPerformanceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db

    async def GetMonthlyReview(
        self, request: performance_pb2.MonthlyReviewRequest, context: Context
    ) -> performance_pb2.MonthlyReview:
        async with self.db.reader() as session:
            return _review(
                await review_chain.get_review(
                    session=session,
                    principal=current_principal.get(),
                    county=request.county,
                    month=request.month,
                )
            )

    async def SubmitMonthlyReview(
        self, request: performance_pb2.SubmitMonthlyReviewRequest, context: Context
    ) -> performance_pb2.MonthlyReview:
        async with self.db.transaction() as session:
            return _review(
                await review_chain.submit_review(
                    session=session,
                    principal=current_principal.get(),
                    county=request.county,
                    month=request.month,
                    stage=request.stage,
                    signer_name=request.signer_name,
                    note=request.note,
                )
            )

    async def GetAssessmentScheme(
        self, request: performance_pb2.AssessmentSchemeRequest, context: Context
    ) -> performance_pb2.AssessmentScheme:
        async with self.db.reader() as session:
            return _scheme(
                await assessment.get_scheme(
                    session=session, principal=current_principal.get(), county=request.county
                )
            )

    async def SetAssessmentScheme(
        self, request: performance_pb2.AssessmentScheme, context: Context
    ) -> performance_pb2.AssessmentScheme:
        weights = {m: getattr(request.weights, m) for m in assessment.MEASURES}
        async with self.db.transaction() as session:
            return _scheme(
                await assessment.set_scheme(
                    session=session,
                    principal=current_principal.get(),
                    county=request.county,
                    weights=weights,
                    target_score=request.target_score,
                    replace_below=request.replace_below,
                )
            )

    async def GetAssessment(
        self, request: performance_pb2.AssessmentRequest, context: Context
    ) -> performance_pb2.Assessment:
        async with self.db.reader() as session:
            result = await assessment.assess(
                session=session, principal=current_principal.get(), county=request.county, year=request.year
            )
        return performance_pb2.Assessment(
            county=result["county"],
            year=result["year"],
            scheme=_scheme(result["scheme"]),
            outlets=[
                performance_pb2.OutletScore(
                    **{
                        **row,
                        "measures": performance_pb2.OutletMeasures(**row["measures"]),
                        "score": row["score"],
                    }
                )
                for row in result["outlets"]
            ],
            rectification=result["rectification"],
            replacement=result["replacement"],
        )

    async def ExportAssessment(
        self, request: performance_pb2.AssessmentRequest, context: Context
    ) -> performance_pb2.AssessmentCsv:
        async with self.db.reader() as session:
            filename, data = await assessment.export_assessment(
                session=session, principal=current_principal.get(), county=request.county, year=request.year
            )
        return performance_pb2.AssessmentCsv(filename=filename, data=data)


def register(server: grpc.aio.Server, runtime: Runtime) -> None:
    performance_pb2_grpc.add_RepairPerformanceServicer_to_server(PerformanceServicer(runtime), server)


FULL_NAME = "bst.repair.v1.RepairPerformance"
