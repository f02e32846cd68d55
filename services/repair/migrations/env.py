from services.kernel.migrations import run_env
from services.repair.grassroots_models import Base  # the grassroots tables too (on the same Base)

run_env(Base.metadata)
