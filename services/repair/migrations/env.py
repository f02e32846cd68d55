from services.kernel.migrations import run_env
from services.repair.models import Base

run_env(Base.metadata)
