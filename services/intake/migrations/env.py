from services.intake.models import Base
from services.kernel.migrations import run_env

run_env(Base.metadata)
