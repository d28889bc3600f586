"""A fast webhook receiver for the benchmarks (asyncio, one process).

    python benchmarks/receiver.py PORT OUT.jsonl [--hang]

Answers every POST with 204 and appends {"at", "id", "dataId"} per request to OUT.jsonl
(written on SIGTERM); GET answers how many POSTs arrived. With --hang it reads requests
and never answers.
"""
import asyncio
import json
import signal
import sys
import time


async def main(port, out, hang):
    records = []
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line)
                lowered = {k.lower(): v for k, v in headers.items()}
                body = await reader.readexactly(int(lowered.get("content-length", 0)))
                if head.startswith(b"GET"):
                    count = str(len(records)).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(count), count))
                    await writer.drain()
                    continue
                if hang:
                    await asyncio.sleep(3600)
                records.append({"at": time.time(), "id": lowered.get("x-webhook-id"),
                                "dataId": json.loads(body)["data"].get("id")})
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await stop.wait()
    with open(out, "w") as handle_out:
        for record in records:
            handle_out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], "--hang" in sys.argv))
