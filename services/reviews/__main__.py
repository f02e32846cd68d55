from services.kernel.rpc import main
from services.reviews.grpc_server import SPEC

main(SPEC)
