import gateway.identity.models
import gateway.identity.models_depth
import gateway.notify.models
import gateway.open311.models
import gateway.registry.models  # noqa: F401
from gateway.base import Base
from services.kernel.migrations import run_env

run_env(Base.metadata)
