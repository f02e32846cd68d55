from services.kernel.migrations import run_env
from services.licenses.models import Base

run_env(Base.metadata)
