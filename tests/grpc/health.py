"""A grpc.health.v1 client for tests/grpc.rs, on grpcio-health-checking.

python3 health.py ADDR check SERVICE...
    one Check per service on a fresh channel: a line per service, the
    answer (SERVING, NOT_SERVING) or the error's code
    (NOT_FOUND, ...), then the error's details on the same line.
python3 health.py ADDR until SERVICE STATUS SECONDS
    Checks every 50 ms until the answer is STATUS: prints the seconds it
    took, or exits 1 with the last answer.
python3 health.py ADDR watch SERVICE N
    prints the first N answers of a Watch, one per line, as they come.
python3 health.py ADDR timed N
    N Checks of "", each on a fresh channel (as the kubelet connects per
    check), 20 ms apart: prints the slowest, connection included, in ms.
python3 health.py ADDR hog N
    opens N Watch streams and N Checks on one channel without reading any
    answer, prints `open`, and sleeps (the test stops it: SIGSTOP).
"""

import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def status_name(status):
    return health_pb2.HealthCheckResponse.ServingStatus.Name(status)


def check(addr, service, timeout=2.0):
    with grpc.insecure_channel(addr) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
            return status_name(reply.status)
        except grpc.RpcError as error:
            return f"{error.code().name} {error.details()}"


def main():
    addr, command, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if command == "check":
        for service in args:
            print(check(addr, service), flush=True)
    elif command == "until":
        service, want, limit = args[0], args[1], float(args[2])
        start = time.monotonic()
        while True:
            got = check(addr, service)
            if got == want:
                print(f"{time.monotonic() - start:.3f}")
                return
            if time.monotonic() - start > limit:
                print(f"still {got} after {limit} s")
                sys.exit(1)
            time.sleep(0.05)
    elif command == "watch":
        service, n = args[0], int(args[1])
        with grpc.insecure_channel(addr) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            stream = stub.Watch(health_pb2.HealthCheckRequest(service=service))
            for i, reply in enumerate(stream):
                print(status_name(reply.status), flush=True)
                if i + 1 == n:
                    stream.cancel()
                    return
    elif command == "timed":
        slowest = 0.0
        for _ in range(int(args[0])):
            start = time.perf_counter()
            got = check(addr, "", timeout=5.0)
            took = time.perf_counter() - start
            if got != "SERVING":
                print(f"answer {got}")
                sys.exit(1)
            slowest = max(slowest, took)
            time.sleep(0.02)
        print(f"{slowest * 1000:.1f}")
    elif command == "hog":
        n = int(args[0])
        channel = grpc.insecure_channel(addr)
        stub = health_pb2_grpc.HealthStub(channel)
        request = health_pb2.HealthCheckRequest(service="")
        calls = [stub.Watch(request) for _ in range(n)]
        calls += [stub.Check.future(request) for _ in range(n)]
        grpc.channel_ready_future(channel).result(timeout=5)
        time.sleep(0.5)
        print("open", flush=True)
        time.sleep(3600)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
