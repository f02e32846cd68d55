from services.kernel.rpc import main
from services.repair.grpc_server import SPEC

main(SPEC)
