"""The gateway's repair REST shapes and the repair protos stay in step: every proto field is mapped to the REST
shape or deliberately left out (and says why), and the hand-written ticket answer is exactly `TicketRead`."""

from __future__ import annotations

import pytest
from google.protobuf.descriptor import FieldDescriptor
from pydantic import BaseModel

from bst.repair.v1 import repair_pb2
from gateway.convert import ticket_answer
from gateway.schemas import repair as rest

# (REST model, proto message, {proto field: REST field} where the names differ, {proto field: why it is left out})
ANSWERS: list[tuple[type[BaseModel], type, dict[str, str], dict[str, str]]] = [
    (rest.CountyRead, repair_pb2.County, {}, {}),
    (rest.OutletRead, repair_pb2.Outlet, {}, {"four_haves_on_record": "answered by registration only"}),
    (rest.OutletCreated, repair_pb2.Outlet, {}, {}),
    (rest.ServicePointRead, repair_pb2.ServicePoint, {}, {}),
    (rest.QrTargetRead, repair_pb2.QrTarget, {}, {}),
    (rest.QrKeyRead, repair_pb2.QrKey, {}, {}),
    (rest.EvidenceRead, repair_pb2.Evidence, {}, {}),
    (rest.AssigneeRead, repair_pb2.Assignee, {}, {}),
    (rest.TimelineRead, repair_pb2.TimelineEntry, {}, {}),
    (rest.RatingRead, repair_pb2.Rating, {}, {}),
    (rest.TicketRead, repair_pb2.Ticket, {}, {}),
    (rest.CandidateRead, repair_pb2.Candidate, {}, {}),
    (rest.DispatchDecisionRead, repair_pb2.DispatchDecision, {}, {}),
    (rest.CountRead, repair_pb2.Count, {}, {}),
    (rest.OutletWorkloadRead, repair_pb2.OutletWorkload, {}, {}),
    (rest.StatsRead, repair_pb2.Stats, {}, {}),
    (rest.NotificationRead, repair_pb2.Notification, {}, {}),
    (
        rest.TicketPage,
        repair_pb2.ListTicketsResponse,
        {},
        {},
    ),
]

# (REST request model, proto request, {REST field: proto field} where the names differ, {proto field: why not})
REQUESTS: list[tuple[type[BaseModel], type, dict[str, str], dict[str, str]]] = [
    (
        rest.TicketCreate,
        repair_pb2.CreateTicketRequest,
        {"evidence": "evidence_ids"},
        {"idempotency_key": "from the Idempotency-Key header"},
    ),
    (rest.OutletCreate, repair_pb2.CreateOutletRequest, {}, {}),
    (
        rest.OutletUpdate,
        repair_pb2.UpdateOutletRequest,
        {},
        {"outlet_id": "from the path", "set_categories": "set when `categories` is given"},
    ),
    (rest.ServicePointCreate, repair_pb2.CreateServicePointRequest, {}, {}),
    (rest.RejectIn, repair_pb2.TicketActionRequest, {}, {"ticket_no": "from the path"}),
    (rest.CancelIn, repair_pb2.TicketActionRequest, {}, {"ticket_no": "from the path"}),
    (
        rest.ResolveIn,
        repair_pb2.ResolveTicketRequest,
        {"evidence": "evidence_ids"},
        {"ticket_no": "from the path"},
    ),
    (rest.FollowUpIn, repair_pb2.FollowUpTicketRequest, {}, {"ticket_no": "from the path"}),
    (rest.RatingIn, repair_pb2.RateTicketRequest, {}, {"ticket_no": "from the path"}),
]


def proto_fields(message: type) -> set[str]:
    return {f.name for f in message.DESCRIPTOR.fields}


@pytest.mark.parametrize(
    ("model", "message", "renamed", "left_out"), ANSWERS, ids=lambda v: getattr(v, "__name__", "")
)
def test_every_proto_field_of_an_answer_is_in_its_rest_shape(model, message, renamed, left_out):
    mapped = {renamed.get(name, name) for name in proto_fields(message) - set(left_out)}
    assert mapped == set(model.model_fields), (
        f"{message.DESCRIPTOR.name} and {model.__name__} differ: map the new field or leave it out deliberately"
    )


@pytest.mark.parametrize(
    ("model", "message", "renamed", "left_out"), REQUESTS, ids=lambda v: getattr(v, "__name__", "")
)
def test_every_field_of_a_rest_request_reaches_its_proto(model, message, renamed, left_out):
    carried = {renamed.get(name, name) for name in model.model_fields}
    assert carried <= proto_fields(message), f"{model.__name__} has fields its proto cannot carry"
    if message is not repair_pb2.TicketActionRequest:  # shared by reject and cancel, each with `reason`
        assert proto_fields(message) - set(left_out) == carried


def test_the_four_haves_of_a_registration_reach_their_proto():
    assert set(rest.QualificationIn.model_fields) == proto_fields(repair_pb2.FourHaves)


def full_ticket() -> repair_pb2.Ticket:
    """A ticket proto with every field set (so that a field the answer forgets shows)."""
    message = repair_pb2.Ticket()
    for field in message.DESCRIPTOR.fields:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            continue
        if field.is_repeated:
            continue
        value = {
            FieldDescriptor.TYPE_STRING: "x",
            FieldDescriptor.TYPE_DOUBLE: 25.0,
            FieldDescriptor.TYPE_BOOL: True,
        }[field.type]
        setattr(message, field.name, value)
    message.status, message.category, message.channel = "dispatched", "satellite", "window"
    message.assignee.CopyFrom(
        repair_pb2.Assignee(outlet_id="OUT-1", name="网点", phone="0871", distance_km=1.5)
    )
    message.rating.CopyFrom(repair_pb2.Rating(level=5, comment="好", at="2026-11-25T09:30:00+08:00"))
    message.timeline.append(
        repair_pb2.TimelineEntry(
            at="2026-11-25T09:00:00+08:00", action="reported", actor="a", note="", status="x"
        )
    )
    message.evidence_ids.append("EV" + "0" * 20)
    return message


@pytest.mark.parametrize(
    "message", [full_ticket(), repair_pb2.Ticket(status="pending_dispatch", category="dtmb", channel="app")]
)
def test_the_ticket_answer_is_exactly_the_rest_shape(message):
    answer = ticket_answer(message)
    assert list(answer) == list(rest.TicketRead.model_fields)
    assert rest.TicketRead.model_validate(answer).model_dump(mode="json") == answer


def test_unset_optional_answers_are_null_not_empty():
    answer = ticket_answer(repair_pb2.Ticket(status="pending_dispatch", category="dtmb", channel="app"))
    assert {
        k: answer[k] for k in ("agent_id", "lat", "lng", "assignee", "rating", "accepted_at", "closed_at")
    } == {
        "agent_id": None,
        "lat": None,
        "lng": None,
        "assignee": None,
        "rating": None,
        "accepted_at": None,
        "closed_at": None,
    }
