import gateway.identity.models  # noqa: F401  (registers the tables on Base.metadata)
from gateway.base import Base
from services.kernel.migrations import run_env

run_env(Base.metadata)
