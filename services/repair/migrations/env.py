from services.kernel.migrations import run_env
from services.repair import facility_models, grassroots_models  # noqa: F401  (their tables are on the same Base)
from services.repair.models import Base

run_env(Base.metadata)
