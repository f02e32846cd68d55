from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MonthlyReviewRequest(_message.Message):
    __slots__ = ("county", "month")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    county: str
    month: str
    def __init__(self, county: _Optional[str] = ..., month: _Optional[str] = ...) -> None: ...

class SubmitMonthlyReviewRequest(_message.Message):
    __slots__ = ("county", "month", "stage", "signer_name", "note")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    STAGE_FIELD_NUMBER: _ClassVar[int]
    SIGNER_NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    county: str
    month: str
    stage: str
    signer_name: str
    note: str
    def __init__(self, county: _Optional[str] = ..., month: _Optional[str] = ..., stage: _Optional[str] = ..., signer_name: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class MonthFigures(_message.Message):
    __slots__ = ("tickets", "closed", "restored_within_24h", "restored_within_24h_share", "mean_rating", "inspections", "inspections_on_time", "inspection_faults", "inspections_overdue", "terminals", "terminal_online_rate", "terminals_below_online_target")
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    RESTORED_WITHIN_24H_FIELD_NUMBER: _ClassVar[int]
    RESTORED_WITHIN_24H_SHARE_FIELD_NUMBER: _ClassVar[int]
    MEAN_RATING_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_ON_TIME_FIELD_NUMBER: _ClassVar[int]
    INSPECTION_FAULTS_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_OVERDUE_FIELD_NUMBER: _ClassVar[int]
    TERMINALS_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_ONLINE_RATE_FIELD_NUMBER: _ClassVar[int]
    TERMINALS_BELOW_ONLINE_TARGET_FIELD_NUMBER: _ClassVar[int]
    tickets: int
    closed: int
    restored_within_24h: int
    restored_within_24h_share: float
    mean_rating: float
    inspections: int
    inspections_on_time: int
    inspection_faults: int
    inspections_overdue: int
    terminals: int
    terminal_online_rate: float
    terminals_below_online_target: int
    def __init__(self, tickets: _Optional[int] = ..., closed: _Optional[int] = ..., restored_within_24h: _Optional[int] = ..., restored_within_24h_share: _Optional[float] = ..., mean_rating: _Optional[float] = ..., inspections: _Optional[int] = ..., inspections_on_time: _Optional[int] = ..., inspection_faults: _Optional[int] = ..., inspections_overdue: _Optional[int] = ..., terminals: _Optional[int] = ..., terminal_online_rate: _Optional[float] = ..., terminals_below_online_target: _Optional[int] = ...) -> None: ...

class ReviewStep(_message.Message):
    __slots__ = ("stage", "signed_by", "signer_name", "note", "submitted_at", "figures")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    SIGNED_BY_FIELD_NUMBER: _ClassVar[int]
    SIGNER_NAME_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    FIGURES_FIELD_NUMBER: _ClassVar[int]
    stage: str
    signed_by: str
    signer_name: str
    note: str
    submitted_at: str
    figures: MonthFigures
    def __init__(self, stage: _Optional[str] = ..., signed_by: _Optional[str] = ..., signer_name: _Optional[str] = ..., note: _Optional[str] = ..., submitted_at: _Optional[str] = ..., figures: _Optional[_Union[MonthFigures, _Mapping]] = ...) -> None: ...

class MonthlyReview(_message.Message):
    __slots__ = ("county", "month", "current", "steps", "next_stage")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    MONTH_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_STAGE_FIELD_NUMBER: _ClassVar[int]
    county: str
    month: str
    current: MonthFigures
    steps: _containers.RepeatedCompositeFieldContainer[ReviewStep]
    next_stage: str
    def __init__(self, county: _Optional[str] = ..., month: _Optional[str] = ..., current: _Optional[_Union[MonthFigures, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[ReviewStep, _Mapping]]] = ..., next_stage: _Optional[str] = ...) -> None: ...

class AssessmentSchemeRequest(_message.Message):
    __slots__ = ("county",)
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    county: str
    def __init__(self, county: _Optional[str] = ...) -> None: ...

class AssessmentWeights(_message.Message):
    __slots__ = ("share_24h", "circles", "rating", "complaints", "inspections", "terminal_online")
    SHARE_24H_FIELD_NUMBER: _ClassVar[int]
    CIRCLES_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_ONLINE_FIELD_NUMBER: _ClassVar[int]
    share_24h: int
    circles: int
    rating: int
    complaints: int
    inspections: int
    terminal_online: int
    def __init__(self, share_24h: _Optional[int] = ..., circles: _Optional[int] = ..., rating: _Optional[int] = ..., complaints: _Optional[int] = ..., inspections: _Optional[int] = ..., terminal_online: _Optional[int] = ...) -> None: ...

class AssessmentScheme(_message.Message):
    __slots__ = ("county", "weights", "target_score", "replace_below", "updated_at")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    TARGET_SCORE_FIELD_NUMBER: _ClassVar[int]
    REPLACE_BELOW_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    county: str
    weights: AssessmentWeights
    target_score: float
    replace_below: float
    updated_at: str
    def __init__(self, county: _Optional[str] = ..., weights: _Optional[_Union[AssessmentWeights, _Mapping]] = ..., target_score: _Optional[float] = ..., replace_below: _Optional[float] = ..., updated_at: _Optional[str] = ...) -> None: ...

class AssessmentRequest(_message.Message):
    __slots__ = ("county", "year")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    county: str
    year: int
    def __init__(self, county: _Optional[str] = ..., year: _Optional[int] = ...) -> None: ...

class OutletMeasures(_message.Message):
    __slots__ = ("share_24h", "circles", "rating", "complaints", "inspections", "terminal_online")
    SHARE_24H_FIELD_NUMBER: _ClassVar[int]
    CIRCLES_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMPLAINTS_FIELD_NUMBER: _ClassVar[int]
    INSPECTIONS_FIELD_NUMBER: _ClassVar[int]
    TERMINAL_ONLINE_FIELD_NUMBER: _ClassVar[int]
    share_24h: float
    circles: float
    rating: float
    complaints: float
    inspections: float
    terminal_online: float
    def __init__(self, share_24h: _Optional[float] = ..., circles: _Optional[float] = ..., rating: _Optional[float] = ..., complaints: _Optional[float] = ..., inspections: _Optional[float] = ..., terminal_online: _Optional[float] = ...) -> None: ...

class OutletScore(_message.Message):
    __slots__ = ("outlet_id", "name", "tickets", "measures", "score", "verdict")
    OUTLET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TICKETS_FIELD_NUMBER: _ClassVar[int]
    MEASURES_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    outlet_id: str
    name: str
    tickets: int
    measures: OutletMeasures
    score: float
    verdict: str
    def __init__(self, outlet_id: _Optional[str] = ..., name: _Optional[str] = ..., tickets: _Optional[int] = ..., measures: _Optional[_Union[OutletMeasures, _Mapping]] = ..., score: _Optional[float] = ..., verdict: _Optional[str] = ...) -> None: ...

class Assessment(_message.Message):
    __slots__ = ("county", "year", "scheme", "outlets", "rectification", "replacement")
    COUNTY_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    SCHEME_FIELD_NUMBER: _ClassVar[int]
    OUTLETS_FIELD_NUMBER: _ClassVar[int]
    RECTIFICATION_FIELD_NUMBER: _ClassVar[int]
    REPLACEMENT_FIELD_NUMBER: _ClassVar[int]
    county: str
    year: int
    scheme: AssessmentScheme
    outlets: _containers.RepeatedCompositeFieldContainer[OutletScore]
    rectification: _containers.RepeatedScalarFieldContainer[str]
    replacement: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, county: _Optional[str] = ..., year: _Optional[int] = ..., scheme: _Optional[_Union[AssessmentScheme, _Mapping]] = ..., outlets: _Optional[_Iterable[_Union[OutletScore, _Mapping]]] = ..., rectification: _Optional[_Iterable[str]] = ..., replacement: _Optional[_Iterable[str]] = ...) -> None: ...

class AssessmentCsv(_message.Message):
    __slots__ = ("filename", "data")
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    filename: str
    data: bytes
    def __init__(self, filename: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...
