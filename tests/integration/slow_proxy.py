#!/usr/bin/env python3
"""A TCP proxy that holds back the server's answers: slow_proxy.py LISTEN
UPSTREAM DELAY_MS.  What the client sends goes to 127.0.0.1:UPSTREAM at
once; what the server answers reaches the client DELAY_MS later.  So the
server has taken a request well before the client learns it (an InfluxDB
that stored a batch, its answer late on a loaded machine).  When the
upstream is down the client's connection is closed."""
import asyncio
import sys

LISTEN, UPSTREAM, DELAY = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000


async def pipe(reader, writer, delay):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if delay:
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


async def handle(creader, cwriter):
    try:
        sreader, swriter = await asyncio.open_connection("127.0.0.1", UPSTREAM)
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(pipe(creader, swriter, 0), pipe(sreader, cwriter, DELAY))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN)
    async with server:
        await server.serve_forever()


asyncio.run(main())
