"""A county's monthly data review chain (village → township → county) and the annual assessment of its repair
outlets, from the repair service's `RepairPerformance`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from bst.repair.v1 import performance_pb2
from gateway.convert import to_dict
from gateway.deps import Authorization, Clients
from gateway.schemas.performance import (
    AssessmentRead,
    AssessmentSchemeIn,
    AssessmentSchemeRead,
    MonthlyReviewRead,
    ReviewStage,
    ReviewSubmitIn,
)

router = APIRouter(prefix="/api/v1/repair/counties/{county}", tags=["repair performance"])

CountyPath = Annotated[str, Path(pattern=r"^\d{6}$")]
MonthPath = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
YearPath = Annotated[int, Path(ge=2000, le=2100)]
Obj = dict[str, object]


@router.get("/monthly-reviews/{month}", operation_id="get_monthly_review", response_model=MonthlyReviewRead)
async def get_review(
    county: CountyPath, month: MonthPath, clients: Clients, authorization: Authorization
) -> Obj:
    """The month's review chain: the steps signed off so far with their frozen figures, the next step, and the
    figures as they are now. Staff of the county (village agents included)."""
    reply = await clients.repair_performance.GetMonthlyReview(
        performance_pb2.MonthlyReviewRequest(county=county, month=month), **clients.options(authorization)
    )
    return to_dict(reply)


@router.post(
    "/monthly-reviews/{month}/{stage}",
    status_code=status.HTTP_201_CREATED,
    operation_id="submit_monthly_review",
    response_model=MonthlyReviewRead,
)
async def submit_review(
    county: CountyPath,
    month: MonthPath,
    stage: ReviewStage,
    body: ReviewSubmitIn,
    clients: Clients,
    authorization: Authorization,
) -> Obj:
    """Sign a step off, freezing the figures: `village` (a village agent or the county admin), then `township`
    (window staff or the county admin), then `county` (the county admin). 409 `review_out_of_order` for a step
    before the previous one, `review_submitted` for a step already signed off."""
    reply = await clients.repair_performance.SubmitMonthlyReview(
        performance_pb2.SubmitMonthlyReviewRequest(
            county=county, month=month, stage=stage.value, signer_name=body.signer_name, note=body.note
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get("/assessment-scheme", operation_id="get_assessment_scheme", response_model=AssessmentSchemeRead)
async def get_scheme(county: CountyPath, clients: Clients, authorization: Authorization) -> Obj:
    reply = await clients.repair_performance.GetAssessmentScheme(
        performance_pb2.AssessmentSchemeRequest(county=county), **clients.options(authorization)
    )
    return to_dict(reply)


@router.put("/assessment-scheme", operation_id="set_assessment_scheme", response_model=AssessmentSchemeRead)
async def set_scheme(
    county: CountyPath, body: AssessmentSchemeIn, clients: Clients, authorization: Authorization
) -> Obj:
    """The county admin publishes the outlets' scoring scheme: weights (summing to 100) for the 24-hour share, the
    service circles, the rating, complaints, inspections and the terminals' online rate; the target score; the
    replacement line (解约更换)."""
    reply = await clients.repair_performance.SetAssessmentScheme(
        performance_pb2.AssessmentScheme(
            county=county,
            weights=performance_pb2.AssessmentWeights(**body.weights.model_dump()),
            target_score=body.target_score,
            replace_below=body.replace_below,
        ),
        **clients.options(authorization),
    )
    return to_dict(reply)


@router.get("/assessments/{year}", operation_id="get_outlet_assessment", response_model=AssessmentRead)
async def get_assessment(
    county: CountyPath, year: YearPath, clients: Clients, authorization: Authorization
) -> Obj:
    """Every outlet of the county scored for the year from the platform's data, lowest first, with the outlets to
    rectify (below the target) and to replace (below the replacement line)."""
    reply = await clients.repair_performance.GetAssessment(
        performance_pb2.AssessmentRequest(county=county, year=year), **clients.options(authorization)
    )
    return to_dict(reply)


@router.get(
    "/assessments/{year}/export",
    operation_id="export_outlet_assessment",
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_assessment(
    county: CountyPath, year: YearPath, clients: Clients, authorization: Authorization
) -> Response:
    """The assessment table as CSV (UTF-8 with a BOM for Excel)."""
    reply = await clients.repair_performance.ExportAssessment(
        performance_pb2.AssessmentRequest(county=county, year=year), **clients.options(authorization)
    )
    return Response(
        reply.data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{reply.filename}"'},
    )
