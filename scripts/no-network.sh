#!/usr/bin/env bash
# Proves that the desktop app opens no internet socket: runs the end-to-end leak session
# (tests/e2e/leak.test.js) with the app under `strace -f` (the app and every process it starts:
# WebKit's web and network processes included), then fails on any AF_INET/AF_INET6 socket,
# connect, bind or send other than the one WebDriver itself asks for — the automation
# (inspector) server that WebKitWebDriver tells the app to open on 127.0.0.1 at a port it
# names in WEBKIT_INSPECTOR_SERVER, only present because the app is driven by a test.
# AF_UNIX sockets (X11, D-Bus, WebKit's own processes) and AF_NETLINK are local and allowed.
# Uses ATRAMA_APP when set (scripts/test.sh runs it after scripts/test-e2e.sh has built the
# app), else builds the app.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

command -v strace >/dev/null || { echo "error: strace is missing; run scripts/install-deps.sh (Debian: apt-get install strace)" >&2; exit 1; }
if [ -z "${ATRAMA_APP:-}" ]; then
  (cd ui && npm run --silent build)
  cargo build -p atrama -p atrama-desktop
  export ATRAMA_APP="$PWD/target/debug/atrama-desktop"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The wrapper WebKitWebDriver launches instead of the app (tests/e2e/harness.js: ATRAMA_APP_WRAPPER).
cat >"$work/app" <<WRAPPER
#!/bin/sh
printf '%s\n' "\${WEBKIT_INSPECTOR_SERVER:-}" >"$work/inspector.\$\$"
exec strace -f -qq -s 64 -e trace=socket,connect,bind,sendto,sendmsg,sendmmsg,listen \\
  -o "$work/trace.\$\$" "$ATRAMA_APP" "\$@"
WRAPPER
chmod +x "$work/app"
export ATRAMA_APP_WRAPPER="$work/app" NO_AT_BRIDGE=1 GTK_A11Y=none

echo "==> end-to-end leak session with the app under strace"
if [ -n "${DISPLAY:-}" ]; then
  npm --prefix tests/e2e test -- leak.test.js
else
  xvfb-run -a -s "-screen 0 1280x800x24" npm --prefix tests/e2e test -- leak.test.js
fi

echo "==> checking the system calls of the app and its processes"
python3 - "$work" <<'PY'
import glob, os, re, sys

work = sys.argv[1]
traces = sorted(glob.glob(os.path.join(work, "trace.*")))
if not traces:
    sys.exit("error: no strace output: the app was not started through the wrapper")
allowed_ports = set()
for f in glob.glob(os.path.join(work, "inspector.*")):
    text = open(f).read().strip()
    m = re.fullmatch(r"127\.0\.0\.1:(\d+)", text)
    if m:
        allowed_ports.add(m.group(1))
    elif text:
        sys.exit(f"error: WEBKIT_INSPECTOR_SERVER is {text!r}, not a loopback address")

sock = re.compile(r"^socket\((AF_INET6?),.*\)\s+=\s+(\d+)")
use = re.compile(r"^(connect|bind|sendto|sendmsg|sendmmsg)\((\d+),")
addr4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([0-9.]+)"\)')
addr6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([0-9a-f:.]+)"')
families = {}
pids = set()
open_inet = {}  # (launch, fd) -> the socket() line, until explained
problems, automation, inet_created = [], 0, 0
for path in traces:
    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        parts = line.split(None, 1)
        if len(parts) < 2:
            continue
        pid, call = parts
        pids.add((path, pid))
        fam = re.search(r"\b(AF_[A-Z0-9]+)", call)
        if fam:
            families[fam.group(1)] = families.get(fam.group(1), 0) + 1
        m = sock.match(call)
        if m:
            inet_created += 1
            open_inet[(path, m.group(2))] = line
            continue
        m = use.match(call)
        if not m or not re.search(r"AF_INET6?\b", call):
            continue
        a = addr4.search(call) or addr6.search(call)
        if a and a.group(2) in ("127.0.0.1", "::1") and a.group(1) in allowed_ports:
            automation += 1
            open_inet.pop((path, m.group(2)), None)
            continue
        problems.append(f"{os.path.basename(path)}: {line}")
# strace shows thread ids, and threads share descriptors: an inet socket is explained if any thread of that launch bound
# or connected that descriptor number to the automation address.
unexplained = [l for l in open_inet.values()]
print(f"traced {len(pids)} process(es)/thread(s) in {len(traces)} launch(es); address families seen: "
      + ", ".join(f"{k} {v}" for k, v in sorted(families.items())))
print(f"internet sockets created: {inet_created}; calls on the WebDriver automation address "
      f"127.0.0.1:{', '.join(sorted(allowed_ports)) or '(none)'}: {automation}; "
      f"other internet calls: {len(problems)}; internet sockets never used for the automation address: {len(unexplained)}")
if families.get("AF_UNIX", 0) == 0:
    sys.exit("error: no AF_UNIX socket traced either: strace did not see the app's processes")
if problems or unexplained:
    print("error: the app opened internet sockets:", file=sys.stderr)
    for p in (problems + unexplained)[:50]:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print("No network: the app and its processes opened no internet socket.")
PY
