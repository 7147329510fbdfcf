#!/bin/sh
# Installs a released perfgate binary in one step:
#
#   curl -fsSL https://raw.githubusercontent.com/perfgate/perfgate/main/scripts/install.sh | sh
#   curl -fsSL .../scripts/install.sh | sh -s -- --version 0.2.0 --to /usr/local/bin
#   scripts/install.sh [--version V] [--to DIR]
#
# It picks the archive for this machine (Linux x86_64/aarch64, static musl
# builds; macOS arm64/x86_64), downloads it and the release's SHA256SUMS with
# curl or wget, refuses to install unless the archive's SHA-256 matches its line
# in SHA256SUMS, then puts the `perfgate` binary into DIR (default
# ~/.local/bin) and prints the installed version.
#
# Options:
#   --version V   release to install: 0.2.0 or v0.2.0 (default: latest)
#   --to DIR      where the binary goes (default: $HOME/.local/bin)
#   -h, --help    this text
#
# Environment:
#   PERFGATE_DOWNLOAD_URL  releases base URL (default:
#                          https://github.com/perfgate/perfgate/releases); files
#                          are read from BASE/download/vV/FILE, and the latest
#                          release's SHA256SUMS from BASE/latest/download/SHA256SUMS,
#                          so no GitHub API call (and no token) is needed
#   PERFGATE_DOWNLOADER    curl or wget, to choose when both are installed
#
# Exit status: 0 installed, 1 failed (nothing changed), 2 bad usage.
#
# POSIX sh: runs with dash, bash, busybox sh and macOS's sh.
set -eu

default_base="https://github.com/perfgate/perfgate/releases"
base="${PERFGATE_DOWNLOAD_URL:-$default_base}"
base="${base%/}"
version="latest"
to=""
tmp=""

usage() {
    cat <<EOF
Installs a released perfgate binary: picks the archive for this machine,
downloads it and the release's SHA256SUMS, refuses it unless the SHA-256
matches, and puts the perfgate binary into DIR.

usage: install.sh [--version V] [--to DIR]

  --version V   release to install: 0.2.0 or v0.2.0 (default: latest)
  --to DIR      where the binary goes (default: \$HOME/.local/bin)
  -h, --help    this text

environment:
  PERFGATE_DOWNLOAD_URL  releases base URL (default: $default_base)
  PERFGATE_DOWNLOADER    curl or wget (default: curl when installed, else wget)
EOF
}

die() {
    echo "perfgate install: error: $*" >&2
    exit 1
}

usage_error() {
    echo "perfgate install: $*" >&2
    echo "usage: install.sh [--version V] [--to DIR]   (--help for details)" >&2
    exit 2
}

say() {
    echo "perfgate install: $*" >&2
}

cleanup() {
    if [ -n "$tmp" ]; then
        rm -rf "$tmp"
    fi
}

# --- arguments ---------------------------------------------------------------

while [ $# -gt 0 ]; do
    case "$1" in
        --version)
            [ $# -ge 2 ] || usage_error "--version needs a value, e.g. --version 0.2.0"
            version="$2"
            shift 2
            ;;
        --version=*)
            version="${1#--version=}"
            shift
            ;;
        --to)
            if [ $# -lt 2 ] || [ -z "$2" ]; then
                usage_error "--to needs a directory, e.g. --to /usr/local/bin"
            fi
            to="$2"
            shift 2
            ;;
        --to=*)
            to="${1#--to=}"
            [ -n "$to" ] || usage_error "--to needs a directory, e.g. --to /usr/local/bin"
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            usage_error "unknown argument '$1'"
            ;;
    esac
done

if [ -z "$to" ]; then
    [ -n "${HOME:-}" ] || usage_error "HOME is not set, so there is no default directory: pass --to DIR"
    to="$HOME/.local/bin"
fi
case "$version" in
    latest) ;;
    v*) version="${version#v}" ;;
esac
case "$version" in
    "") usage_error "--version needs a value, e.g. --version 0.2.0" ;;
    latest) ;;
    *[!0-9A-Za-z.+-]* | [!0-9]*)
        usage_error "'$version' is not a version: expected something like 0.2.0 or v0.2.0 (or latest)"
        ;;
esac

# --- the platform --------------------------------------------------------------

os="$(uname -s 2>/dev/null || echo unknown)"
arch="$(uname -m 2>/dev/null || echo unknown)"
case "$arch" in
    x86_64 | amd64) cpu="x86_64" ;;
    aarch64 | arm64) cpu="aarch64" ;;
    *) cpu="" ;;
esac
case "$os" in
    Linux) suffix="unknown-linux-musl" ;;
    Darwin)
        suffix="apple-darwin"
        # A shell under Rosetta says x86_64 on an Apple silicon Mac: take the native build.
        if [ "$cpu" = "x86_64" ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = "1" ]; then
            cpu="aarch64"
        fi
        ;;
    *) suffix="" ;;
esac
if [ -z "$cpu" ] || [ -z "$suffix" ]; then
    die "no perfgate binary is released for this platform ($os $arch); released: Linux x86_64 and aarch64, macOS arm64 and x86_64. Build it from source instead: cargo install perfgate"
fi
target="$cpu-$suffix"

# --- the tools ------------------------------------------------------------------

downloader="${PERFGATE_DOWNLOADER:-}"
case "$downloader" in
    "")
        if command -v curl >/dev/null 2>&1; then
            downloader="curl"
        elif command -v wget >/dev/null 2>&1; then
            downloader="wget"
        else
            die "neither curl nor wget is installed; install one of them (e.g. apt-get install curl)"
        fi
        ;;
    curl | wget)
        command -v "$downloader" >/dev/null 2>&1 || die "PERFGATE_DOWNLOADER=$downloader, but $downloader is not installed"
        ;;
    *) die "PERFGATE_DOWNLOADER must be curl or wget, not '$downloader'" ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
    hasher="sha256sum"
elif command -v shasum >/dev/null 2>&1; then
    hasher="shasum -a 256"
else
    die "cannot verify the download: neither sha256sum (coreutils) nor shasum (perl) is installed"
fi
command -v tar >/dev/null 2>&1 || die "tar is not installed"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/perfgate-install.XXXXXX")" || die "cannot create a temporary directory"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# An https base (the default) may only redirect to https: no downgrade.
case "$base" in
    https://*) redirects="=https" ;;
    *) redirects="=http,https" ;;
esac

# fetch URL FILE: downloads URL into FILE. On failure returns 1 and leaves the
# reason (an HTTP status, or the downloader's own message) in $fetch_error.
fetch() {
    fetch_error=""
    fetch_status=""
    case "$downloader" in
        curl)
            if ! fetch_status="$(curl --silent --show-error --location --proto-redir "$redirects" \
                --retry 2 --connect-timeout 30 --output "$2" --write-out '%{http_code}' "$1" 2>"$tmp/fetch.err")"; then
                fetch_error="$(tail -n 1 "$tmp/fetch.err")"
                return 1
            fi
            ;;
        wget)
            # -S prints the response headers (to stderr): the last status line is the answer.
            wget_exit=0
            wget -q -S -O "$2" "$1" 2>"$tmp/fetch.err" || wget_exit=$?
            if [ "$wget_exit" = 0 ]; then
                fetch_status="200"
            else
                fetch_status="$(awk '$1 ~ /^HTTP\// { s = $2 } END { print s }' "$tmp/fetch.err")"
                if [ -z "$fetch_status" ]; then
                    case "$wget_exit" in
                        4) fetch_error="wget: network failure (no connection, or the host name does not resolve)" ;;
                        5) fetch_error="wget: TLS certificate verification failed" ;;
                        *) fetch_error="wget failed with exit status $wget_exit $(grep -v '^ ' "$tmp/fetch.err" | tail -n 1)" ;;
                    esac
                    return 1
                fi
            fi
            ;;
    esac
    case "$fetch_status" in
        200) return 0 ;;
        404) fetch_error="HTTP 404 Not Found" ;;
        *) fetch_error="HTTP $fetch_status" ;;
    esac
    return 1
}

# sum_for NAME FILE: prints the SHA-256 listed for NAME in the sha256sum-format FILE.
sum_for() {
    awk -v name="$1" '{ f = $2; sub(/^\*/, "", f) } f == name && NF == 2 { print tolower($1); exit }' "$2"
}

# --- which release --------------------------------------------------------------

sums="$tmp/SHA256SUMS"
if [ "$version" = "latest" ]; then
    url="$base/latest/download/SHA256SUMS"
    say "finding the latest release: $url"
    fetch "$url" "$sums" || die "cannot find the latest perfgate release: $url: $fetch_error"
    # The archive for this target is named perfgate-VERSION-TARGET.tar.gz.
    version="$(awk -v t="-$target.tar.gz" '{ f = $2; sub(/^\*/, "", f) }
        f ~ /^perfgate-/ && length(f) > length(t) && substr(f, length(f) - length(t) + 1) == t {
            print substr(f, 10, length(f) - 9 - length(t)); exit }' "$sums")"
    [ -n "$version" ] || die "the latest release has no archive for $target (its SHA256SUMS lists none): $url"
    case "$version" in
        *[!0-9A-Za-z.+-]* | [!0-9]*) die "the latest release's SHA256SUMS names an odd version '$version'; refusing" ;;
    esac
    have_sums=1
else
    have_sums=0
fi
tag="v$version"
asset="perfgate-$version-$target.tar.gz"
archive="$tmp/$asset"

# --- download and verify --------------------------------------------------------

url="$base/download/$tag/$asset"
say "downloading perfgate $version for $target: $url"
if ! fetch "$url" "$archive"; then
    if [ "$fetch_status" = 404 ]; then
        fetch_error="$fetch_error (is $tag a perfgate release? see $base)"
    fi
    die "cannot download perfgate $version for $target: $url: $fetch_error"
fi

if [ "$have_sums" = 0 ]; then
    url="$base/download/$tag/SHA256SUMS"
    fetch "$url" "$sums" || die "refusing to install: no checksum file for $tag: $url: $fetch_error"
fi
expected="$(sum_for "$asset" "$sums")"
case "$expected" in
    "") die "refusing to install: SHA256SUMS of $tag has no line for $asset" ;;
esac
if [ "${#expected}" -ne 64 ] || [ -n "$(printf '%s' "$expected" | tr -d '0-9a-f')" ]; then
    die "refusing to install: the SHA256SUMS line for $asset is not a SHA-256 ('$expected')"
fi
actual="$($hasher "$archive" | awk '{ print tolower($1) }')"
if [ "$actual" != "$expected" ]; then
    die "refusing to install: SHA-256 mismatch for $asset: SHA256SUMS says $expected, the download is $actual"
fi
say "SHA-256 verified: $actual"

# --- extract and install --------------------------------------------------------

mkdir "$tmp/x"
tar -xzf "$archive" -C "$tmp/x" || die "cannot extract $asset"
binary="$tmp/x/perfgate-$version-$target/perfgate"
[ -f "$binary" ] || die "$asset has no perfgate-$version-$target/perfgate; refusing to install"

mkdir -p "$to" || die "cannot create $to"
# Copy next to the destination, check that it runs, then rename over any old one,
# so an interrupted or broken install never leaves a half-written perfgate.
staged="$to/.perfgate.install.$$"
cp "$binary" "$staged" || die "cannot write to $to"
chmod 755 "$staged"
if ! installed="$("$staged" --version 2>&1)"; then
    rm -f "$staged"
    die "the downloaded perfgate does not run on this machine ($installed); nothing installed"
fi
mv -f "$staged" "$to/perfgate" || {
    rm -f "$staged"
    die "cannot install $to/perfgate"
}

echo "installed $installed to $to/perfgate"
if [ "$installed" != "perfgate $version" ]; then
    say "warning: the binary says '$installed', the release is $version"
fi
case ":${PATH:-}:" in
    *":$to:"*) ;;
    *) say "note: $to is not on your PATH; add it with: export PATH=\"$to:\$PATH\"" ;;
esac
