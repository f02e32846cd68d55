from services.intake.grpc_server import SPEC
from services.kernel.rpc import main

main(SPEC)
