#!/usr/bin/env python3
"""Keystroke latency of the language server (python3, stdlib only).

    python3 benches/lsp_latency.py [BINARY WORKSPACE FILE]

Starts `BINARY lsp` on WORKSPACE, opens FILE (relative to WORKSPACE), waits for the start-up
checks, then sends 30 full-text changes 150 ms apart and times each from the `didChange` sent
to the `publishDiagnostics` received for FILE. Prints the median, min and max in ms.
Defaults: target/release/nimbus-lint, the benchmarks' M per-service workspace (5,000
services in 5,003 files; written by `cargo bench` or `benches/cli.sh`), services/desk-0.toml.
"""
import json, os, subprocess, sys, threading, time, queue, statistics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
args = sys.argv[1:] or [
    os.path.join(TARGET, "release", "nimbus-lint"),
    os.path.join(TARGET, "bench-workspaces", "M-per-service"),
    "services/desk-0.toml",
]
if len(args) != 3:
    sys.exit(__doc__)
binary, root = args[0], os.path.abspath(args[1])
target = os.path.join(root, args[2])
for path in (binary, target):
    if not os.path.exists(path):
        sys.exit("lsp_latency.py: %s does not exist (build the release binary; generate the workspaces with benches/cli.sh)" % path)
p = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
q = queue.Queue()

def reader():
    f = p.stdout
    while True:
        headers = {}
        while True:
            line = f.readline()
            if not line:
                return
            line = line.decode().strip()
            if not line:
                break
            k, v = line.split(":", 1)
            headers[k.lower()] = v.strip()
        body = f.read(int(headers["content-length"]))
        q.put((time.perf_counter(), json.loads(body)))

threading.Thread(target=reader, daemon=True).start()

def send(msg):
    data = json.dumps(msg).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
    p.stdin.flush()

uri = "file://" + target
send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": "file://" + root, "capabilities": {}, "workspaceFolders": [{"uri": "file://" + root, "name": "ws"}]}})
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
text = open(target).read()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "toml", "version": 1, "text": text}}})

def wait_publish(deadline=30):
    end = time.perf_counter() + deadline
    while True:
        t, m = q.get(timeout=max(0.01, end - time.perf_counter()))
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
            return t

# Let the start-up checks settle.
time.sleep(3)
while not q.empty():
    q.get()
lat = []
for i in range(30):
    text2 = text + ("\n# edit %d\n" % i)
    t0 = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": i + 2}, "contentChanges": [{"text": text2}]}})
    t1 = wait_publish()
    lat.append((t1 - t0) * 1000)
    time.sleep(0.15)
    while not q.empty():
        q.get()
print("median %.1f ms  min %.1f  max %.1f  (n=%d)" % (statistics.median(lat), min(lat), max(lat), len(lat)))
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
send({"jsonrpc": "2.0", "method": "exit"})
p.wait(timeout=10)
