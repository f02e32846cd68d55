from bst.repair.v1 import repair_pb2 as _repair_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class ConfirmRatingRequest(_message.Message):
    __slots__ = ("ticket_no", "code")
    TICKET_NO_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    ticket_no: str
    code: str
    def __init__(self, ticket_no: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...
