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
  cargo build -p atrama-cli -p atrama-desktop
  export ATRAMA_APP="$PWD/target/debug/atrama-desktop"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The wrapper WebKitWebDriver launches instead of the app (tests/e2e/harness.js: ATRAMA_APP_WRAPPER).
cat >"$work/app" <<WRAPPER
#!/bin/sh
printf '%s\n' "\${WEBKIT_INSPECTOR_SERVER:-}" >"$work/inspector.\$\$"
# Also shows that the app's standard error reaches the leak test's captured log.
echo "no-network wrapper: starting the app under strace" >&2
exec strace -f -qq -s 64 -e trace=execve,socket,connect,bind,sendto,sendmsg,sendmmsg,listen \\
  -o "$work/trace.\$\$" "$ATRAMA_APP" "\$@"
WRAPPER
chmod +x "$work/app"
export ATRAMA_APP_WRAPPER="$work/app" NO_AT_BRIDGE=1 GTK_A11Y=none
# The trace holds the start of what the app sent through its local sockets (WebKit's IPC,
# typed test markers included): the leak test's file-system walk leaves this folder out.
export ATRAMA_LEAK_SKIP="${ATRAMA_LEAK_SKIP:+$ATRAMA_LEAK_SKIP:}$work"

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

# A socket call with its result, or one that never returned (the process ended inside it).
sock = re.compile(r"^socket\((AF_INET6?),[^)]*(?:\)\s+=\s+(-?\d+))?")
use = re.compile(r"^(connect|bind|sendto|sendmsg|sendmmsg)\((\d+),")
addr4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([0-9.]+)"\)')
addr6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([0-9a-f:.]+)"')


def joined(lines):
    """strace -f interleaves threads: a call cut by another thread's line is written as
    `PID call(args <unfinished ...>` and later `PID <... call resumed>rest`. Yields every call
    whole, as if it had not been cut (a cut call left unfinished at the end is yielded too)."""
    pending = {}
    for path, line in lines:
        line = line.rstrip("\n")
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[1].endswith("<unfinished ...>"):
            pending[(path, parts[0])] = parts[0] + " " + parts[1][: -len("<unfinished ...>")].rstrip()
            continue
        m = re.match(r"(\S+)\s+<\.\.\. \w+ resumed>\s?(.*)$", line)
        if m and (path, m.group(1)) in pending:
            head = pending.pop((path, m.group(1)))
            rest = m.group(2)
            yield path, head + ("" if rest.startswith((")", ",")) else " ") + rest
            continue
        yield path, line
    for (path, _), head in pending.items():
        yield path, head


def analyse(lines, allowed_ports):
    """lines: (launch, strace line). Internet activity other than the automation address."""
    r = {"families": {}, "programs": set(), "pids": set(), "problems": [], "automation": 0, "created": 0}
    # strace shows thread ids, and threads share descriptors: an internet socket is explained
    # when a thread of that launch binds or connects that descriptor to the automation address.
    open_inet = {}
    for path, line in joined(lines):
        line = line.rstrip("\n")
        parts = line.split(None, 1)
        if len(parts) < 2:
            continue
        pid, call = parts
        r["pids"].add((path, pid))
        ex = re.match(r'execve\("([^"]+)"', call)
        if ex:
            r["programs"].add(os.path.basename(ex.group(1)))
            continue
        fam = re.search(r"\b(AF_[A-Z0-9]+)", call)
        if fam:
            r["families"][fam.group(1)] = r["families"].get(fam.group(1), 0) + 1
        m = sock.match(call)
        if m:
            r["created"] += 1
            open_inet[(path, m.group(2) or f"unreturned {len(open_inet)}")] = line
            continue
        m = use.match(call)
        if not m or not re.search(r"AF_INET6?\b", call):
            continue
        a = addr4.search(call) or addr6.search(call)
        if a and a.group(2) in ("127.0.0.1", "::1") and a.group(1) in allowed_ports:
            r["automation"] += 1
            open_inet.pop((path, m.group(2)), None)
            continue
        r["problems"].append(f"{os.path.basename(path)}: {line}")
    r["unexplained"] = list(open_inet.values())
    return r


# The checker itself must catch what it is for: a connection out, a DNS query to a local
# resolver, and a socket never used for the automation address.
selftest = analyse([("t", l) for l in [
    "100 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 7",
    '100 connect(7, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("93.184.216.34")}, 16) = -1 EINPROGRESS',
    '101 sendto(8, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 1',
    "101 socket(AF_INET6, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 9",
    "102 socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = 5",
    '102 bind(5, {sa_family=AF_INET, sin_port=htons(4000), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
]], {"4000"})
assert len(selftest["problems"]) == 2 and len(selftest["unexplained"]) == 2 and selftest["automation"] == 1, selftest
# The same, with the calls cut by other threads' lines (<unfinished ...> / resumed).
selftest = analyse([("t", l) for l in [
    "100 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP <unfinished ...>",
    "200 read(3, \"x\", 1) = 1",
    "100 <... socket resumed>) = 7",
    '101 connect(8, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("93.184.216.34")}, 16 <unfinished ...>',
    "200 futex(0x1, FUTEX_WAKE, 1) = 0",
    "101 <... connect resumed>) = -1 EINPROGRESS",
    "102 socket(AF_INET6, SOCK_DGRAM, IPPROTO_IP <unfinished ...>",
]], set())
assert len(selftest["problems"]) == 1 and selftest["created"] == 2 and len(selftest["unexplained"]) == 2, selftest

r = analyse(((p, l) for p in traces for l in open(p, errors="replace")), allowed_ports)
print(f"traced {len(r['pids'])} process(es)/thread(s) in {len(traces)} launch(es); address families seen: "
      + ", ".join(f"{k} {v}" for k, v in sorted(r["families"].items())))
print("programs run under the trace: " + ", ".join(sorted(r["programs"])))
print(f"internet sockets created: {r['created']}; calls on the WebDriver automation address "
      f"127.0.0.1:{', '.join(sorted(allowed_ports)) or '(none)'}: {r['automation']}; "
      f"other internet calls: {len(r['problems'])}; internet sockets not explained: {len(r['unexplained'])}")
if r["families"].get("AF_UNIX", 0) == 0:
    sys.exit("error: no AF_UNIX socket traced either: strace did not see the app's processes")
if r["problems"] or r["unexplained"]:
    print("error: the app opened internet sockets:", file=sys.stderr)
    for p in (r["problems"] + r["unexplained"])[:50]:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print("No network: the app and its processes opened no internet socket.")
PY
