import gateway.identity.models
import gateway.notify.models  # noqa: F401
from gateway.base import Base
from services.kernel.migrations import run_env

run_env(Base.metadata)
