# Shared by the scripts: install what the project needs when it is missing.
# Debian's packages only; `apt-get update` runs once before the first install.

apt_updated=0
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: missing packages ${missing[*]}; run as root or install them: apt-get install -y ${missing[*]}" >&2
        return 1
    fi
    if [ "$apt_updated" -eq 0 ]; then
        apt-get update -qq >&2
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
}

# What `swift build` needs besides the toolchain: the kernel's netlink headers, SQLite (the
# embedded ledger; libsqlite3.a for the static CNI binary), and `file` to check that the CNI
# binary is fully static.
ensure_build_deps() {
    command -v swift >/dev/null || { echo "error: swift is not on PATH (Swift 6 toolchain required)" >&2; return 1; }
    apt_install linux-libc-dev libsqlite3-dev file
}

# What the tests need besides the build: network namespaces and the tools the kernel tests and
# the executor call (ip, nsenter, iptables), the reference CNI plugins, and etcd for the etcd
# ledger (the tests start their own on a free loopback port), Debian's sqlite3 to read the
# embedded ledger beside our code, strace to see its fsync calls, GNU time for peak memory.
ensure_test_deps() {
    ensure_build_deps
    apt_install iproute2 util-linux iptables iputils-ping containernetworking-plugins etcd-server openssl sqlite3 strace time tcpdump
}
