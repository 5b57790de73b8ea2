"""N app processes behind nginx on this machine — `make serve REPLICAS=N` for a quick try, and what the
replica tests and the load benchmark start. Production runs the same nginx site (deploy/nginx-replicas.conf)
with the replicas as systemd units (deploy/equity@.service); see the README's operations section.

    python scripts/serve_replicas.py --replicas 2 --listen 127.0.0.1:8080 --db data/equity.duckdb
    python scripts/serve_replicas.py --print-site --listen 80 --app-ports 8501,8502   # the site, for /etc/nginx

Every replica gets the environment of this script (EQUITY_STATE_URL for a shared PostgreSQL state,
EQUITY_AUTH_MODE, …) and EQUITY_DB. nginx runs unprivileged in the foreground with its files under
--workdir (logs: <workdir>/nginx/access.log names the replica of every request; <workdir>/app-PORT.log).
Stops everything on Ctrl-C or SIGTERM; exits non-zero when a replica or nginx dies.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "deploy" / "nginx-replicas.conf"
NGINX = "/usr/sbin/nginx"
STARTUP_S = 90


def render_site(listen: str, app_ports: list[int], access_log: str = "/var/log/nginx/equity.access.log") -> str:
    """deploy/nginx-replicas.conf with its placeholders filled (comment lines are left as they are)."""
    upstreams = "\n".join(f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=10s;" for port in app_ports)
    values = {"@LISTEN@": listen, "@UPSTREAMS@": upstreams, "@ACCESS_LOG@": access_log}
    lines = []
    for line in SITE.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            for key, value in values.items():
                line = line.replace(key, value)
        lines.append(line)
    return "\n".join(lines) + "\n"


def nginx_conf(prefix: Path, site: str) -> str:
    """A whole nginx.conf around the site for an unprivileged nginx with every file under ``prefix``."""
    temp = "\n".join(f"    {kind}_temp_path {prefix / name};" for kind, name in
                     (("client_body", "body"), ("proxy", "proxy"), ("fastcgi", "fastcgi"), ("uwsgi", "uwsgi"),
                      ("scgi", "scgi")))
    user = "user root;\n" if os.geteuid() == 0 else ""     # as root, workers would run as nobody: folders 0700
    return (f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'};\n"
            f"events {{ worker_connections 1024; }}\nhttp {{\n{temp}\n{site}}}\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).read() == b"ok"
    except OSError:
        return False


def start_replica(port: int, db: str, workdir: Path, extra_args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, EQUITY_DB=str(db))
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "server.py"), "--server.address", "127.0.0.1",
           "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
           *extra_args]
    out = (workdir / f"app-{port}.log").open("wb")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def serve(replicas: int, listen: str, db: str, workdir: Path, first_port: int | None, extra_args: list[str]) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    prefix = workdir / "nginx"
    for sub in ("", "body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    ports = [first_port + k for k in range(replicas)] if first_port else [free_port() for _ in range(replicas)]
    procs = [start_replica(port, db, workdir, extra_args) for port in ports]
    stopping = []

    def stop(*_):
        stopping.append(True)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        deadline = time.monotonic() + STARTUP_S
        while not all(healthy(f"http://127.0.0.1:{port}/_stcore/health") for port in ports):
            if stopping or any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                print("a replica did not start; see " + ", ".join(str(workdir / f"app-{p}.log") for p in ports),
                      file=sys.stderr)
                return 1
            time.sleep(0.3)
        (prefix / "nginx.conf").write_text(nginx_conf(prefix, render_site(listen, ports, str(prefix / "access.log"))),
                                           encoding="utf-8")
        nginx = subprocess.Popen([NGINX, "-c", str(prefix / "nginx.conf"), "-p", str(prefix), "-g", "daemon off;"])
        procs.append(nginx)
        host, _, port = listen.rpartition(":")
        url = f"http://{host or '127.0.0.1'}:{port}"
        while not healthy(f"{url}/_stcore/health"):            # nginx up (the app's own check: /healthz)
            if stopping or nginx.poll() is not None or time.monotonic() > deadline:
                print(f"nginx did not start; see {prefix / 'error.log'}", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print(f"serving {url} — {replicas} replicas on ports {', '.join(map(str, ports))}; Ctrl-C stops", flush=True)
        while not stopping:
            if any(p.poll() is not None for p in procs):
                print("a replica or nginx stopped; stopping the rest", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--listen", default="127.0.0.1:8080", help="nginx's address:port")
    parser.add_argument("--db", default=os.environ.get("EQUITY_DB", str(ROOT / "data" / "equity.duckdb")))
    parser.add_argument("--first-app-port", type=int, help="replicas on this port and the next ones (default: free ports)")
    parser.add_argument("--workdir", default=str(ROOT / "build" / "serve"), help="logs and nginx's files")
    parser.add_argument("--print-site", action="store_true", help="print the nginx site and exit")
    parser.add_argument("--app-ports", default="8501,8502", help="with --print-site: the replicas' ports")
    parser.add_argument("streamlit_args", nargs="*", help="after --: more options for every replica")
    args = parser.parse_args(argv)
    if args.print_site:
        print(render_site(args.listen, [int(p) for p in args.app_ports.split(",")]), end="")
        return 0
    return serve(args.replicas, args.listen, args.db, Path(args.workdir), args.first_app_port, args.streamlit_args)


if __name__ == "__main__":
    sys.exit(main())
