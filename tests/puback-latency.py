#!/usr/bin/env python3
"""PUBACK latency of alert-grade messages, and periodic-reading throughput, against a running server.

Plain MQTT 3.1.1 over a socket (nothing to install). Needs a server that lets anonymous lab devices publish without a
budget: --Pax:Mqtt:AllowAnonymous=true --Pax:Mqtt:MessagesPerSecond=0.

  tests/puback-latency.py latency  HOST PORT PLACE COUNT     # COUNT impulses at QoS 1, one at a time: p50/p90/p99/max ms
  tests/puback-latency.py periodic HOST PORT PLACE COUNT CONNS  # COUNT QoS 0 readings over CONNS connections, as fast as the socket takes them
"""
import json
import socket
import struct
import sys
import threading
import time


def remaining_length(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def utf8(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def connect(host, port, client_id):
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = utf8("MQTT") + bytes([4, 0x02]) + struct.pack(">H", 60) + utf8(client_id)
    sock.sendall(bytes([0x10]) + remaining_length(len(body)) + body)
    ack = recv_exact(sock, 4)
    if ack[0] != 0x20 or ack[3] != 0:
        raise SystemExit(f"CONNACK refused: {ack!r}")
    return sock


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise SystemExit("connection closed")
        data += chunk
    return data


def publish(topic, payload, qos, packet_id=0):
    body = utf8(topic) + (struct.pack(">H", packet_id) if qos else b"") + payload
    return bytes([0x30 | (qos << 1)]) + remaining_length(len(body)) + body


def latency(host, port, place, count):
    sock = connect(host, port, "puback-probe")
    topic = f"pax/v1/{place}/puback-probe/signals"
    times = []
    for i in range(count):
        payload = json.dumps({"ts": int(time.time() * 1000), "signals": [{"kind": "impulse", "value": 1}]}).encode()
        packet_id = i % 65535 + 1
        start = time.perf_counter()
        sock.sendall(publish(topic, payload, 1, packet_id))
        ack = recv_exact(sock, 4)
        times.append((time.perf_counter() - start) * 1000)
        if ack[0] != 0x40 or struct.unpack(">H", ack[2:4])[0] != packet_id:
            raise SystemExit(f"unexpected answer {ack!r}")
        time.sleep(0.005)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{count} impulses at QoS 1: PUBACK p50 {pick(0.5):.2f} ms, p90 {pick(0.9):.2f} ms, p99 {pick(0.99):.2f} ms, max {times[-1]:.2f} ms")


def periodic(host, port, place, count, conns):
    per = count // conns
    topic = f"pax/v1/{place}/tput-0/signals"
    payload = json.dumps({"ts": int(time.time() * 1000), "signals": [{"kind": "people", "value": 7}, {"kind": "motion", "value": 0.2}]}).encode()
    packet = publish(topic, payload, 0)
    socks = [connect(host, port, f"tput-{c}") for c in range(conns)]

    def blast(sock):
        chunk = packet * 1000
        for _ in range(per // 1000):
            sock.sendall(chunk)

    start = time.perf_counter()
    threads = [threading.Thread(target=blast, args=(s,)) for s in socks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = time.perf_counter() - start
    # A PINGREQ on each connection: its PINGRESP comes after the broker has read everything sent before it.
    for s in socks:
        s.sendall(bytes([0xC0, 0]))
    for s in socks:
        while recv_exact(s, 1)[0] != 0xD0:
            pass
        recv_exact(s, 1)
    taken = time.perf_counter() - start
    total = (per // 1000) * 1000 * conns
    print(f"{total} QoS 0 readings over {conns} connections: sent in {sent:.2f} s, read by the broker in {taken:.2f} s, {total / taken:,.0f} messages/s")


if __name__ == "__main__":
    mode, host, port, place, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    if mode == "latency":
        latency(host, port, place, count)
    else:
        periodic(host, port, place, count, int(sys.argv[6]) if len(sys.argv) > 6 else 4)
