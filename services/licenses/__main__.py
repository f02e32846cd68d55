from services.kernel.rpc import main
from services.licenses.grpc_server import SPEC

main(SPEC)
