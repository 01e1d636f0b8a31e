#!/bin/sh
# Installs exprag, one binary, for this machine:
#
#   curl -fsSL https://github.com/exprag/exprag/releases/latest/download/install.sh | sh
#   sh install.sh --version 0.1.0
#
# EXPRAG_INSTALL_BASE_URL  where the release files are (a URL or a local directory such as dist/)
# EXPRAG_INSTALL_DIR       where exprag goes (default: ~/.local/bin)
#
# The binary is checked against the release's SHA256SUMS before anything is installed. Every
# step is a function called from the last line, so a truncated download runs nothing.

set -eu

RELEASES="https://github.com/exprag/exprag/releases"

say() {
  printf 'exprag install: %s\n' "$*" >&2
}

die() {
  say "error: $*"
  exit 1
}

usage() {
  say "usage: install.sh [--version X]"
  say "environment: EXPRAG_INSTALL_BASE_URL (URL or directory), EXPRAG_INSTALL_DIR (default ~/.local/bin)"
}

detect_os() {
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    MINGW* | MSYS* | CYGWIN* | Windows*) die "on Windows, download exprag-windows-x64.exe from $RELEASES" ;;
    *) die "unsupported operating system: $(uname -s); exprag ships for Linux and macOS (x64, arm64)" ;;
  esac
}

detect_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "unsupported processor: $(uname -m); exprag ships for x64 and arm64" ;;
  esac
}

is_musl() {
  if command -v ldd >/dev/null 2>&1; then
    ldd --version 2>&1 | grep -qi musl
    return
  fi
  for loader in /lib/ld-musl-*; do
    [ -e "$loader" ] && return 0
  done
  return 1
}

# An x64 shell on Apple silicon runs under Rosetta: the arm64 build is the native one.
is_rosetta() {
  [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]
}

# The default x64 Linux build needs AVX2; the baseline build runs on any x64 processor.
has_avx2() {
  grep -qw avx2 "${EXPRAG_INSTALL_CPUINFO:-/proc/cpuinfo}" 2>/dev/null
}

pick_asset() {
  os=$1
  arch=$2
  if [ "$os" = darwin ] && [ "$arch" = x64 ] && is_rosetta; then
    arch=arm64
  fi
  asset="exprag-$os-$arch"
  if [ "$os" = linux ]; then
    if is_musl; then
      asset="$asset-musl"
    elif [ "$arch" = x64 ] && ! has_avx2; then
      asset="$asset-baseline"
    fi
  fi
  echo "$asset"
}

base_url() {
  version=$1
  if [ -n "${EXPRAG_INSTALL_BASE_URL:-}" ]; then
    echo "${EXPRAG_INSTALL_BASE_URL%/}"
  elif [ "$version" = latest ]; then
    echo "$RELEASES/latest/download"
  else
    echo "$RELEASES/download/v$version"
  fi
}

fetch() {
  source=$1
  target=$2
  case "$source" in
    http://* | https://*)
      if command -v curl >/dev/null 2>&1; then
        curl -fsSL "$source" -o "$target" || die "could not download $source"
      elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$target" "$source" || die "could not download $source"
      else
        die "curl or wget is needed to download $source"
      fi
      ;;
    *) cp "$source" "$target" 2>/dev/null || die "no file $source" ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die "sha256sum or shasum is needed to check the download"
  fi
}

path_hint() {
  case ":$PATH:" in
    *":$1:"*) ;;
    *) say "$1 is not on your PATH; add it, e.g. in ~/.profile: export PATH=\"$1:\$PATH\"" ;;
  esac
}

main() {
  version=latest
  while [ $# -gt 0 ]; do
    case "$1" in
      --version)
        [ $# -ge 2 ] || die "--version needs a version, e.g. --version 0.1.0"
        version=${2#v}
        shift 2
        ;;
      --help | -h)
        usage
        return 0
        ;;
      *)
        usage
        die "unknown argument: $1"
        ;;
    esac
  done

  os=$(detect_os)
  arch=$(detect_arch)
  asset=$(pick_asset "$os" "$arch")
  base=$(base_url "$version")
  dir=${EXPRAG_INSTALL_DIR:-$HOME/.local/bin}

  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT INT TERM
  say "downloading $asset from $base"
  fetch "$base/SHA256SUMS" "$work/SHA256SUMS"
  fetch "$base/$asset" "$work/$asset"

  expected=$(grep "  $asset\$" "$work/SHA256SUMS" | cut -d ' ' -f 1)
  [ -n "$expected" ] || die "SHA256SUMS lists no $asset"
  actual=$(sha256_of "$work/$asset")
  [ "$actual" = "$expected" ] || die "checksum mismatch for $asset (expected $expected, got $actual): not installing it"

  chmod 755 "$work/$asset"
  if ! installed=$("$work/$asset" --version 2>/dev/null); then
    case "$asset" in
      *-musl) die "the downloaded $asset does not run on this machine: the musl builds need libstdc++ at run time (on Alpine: apk add libstdc++), then run this again" ;;
      *) die "the downloaded $asset does not run on this machine" ;;
    esac
  fi
  if [ "$version" != latest ] && [ "${installed%% *}" != "$version" ]; then
    die "asked for version $version, but $base holds $installed"
  fi

  mkdir -p "$dir" || die "cannot create $dir; set EXPRAG_INSTALL_DIR to a folder you can write"
  cp "$work/$asset" "$dir/.exprag.new" || die "cannot write to $dir; set EXPRAG_INSTALL_DIR to a folder you can write"
  mv -f "$dir/.exprag.new" "$dir/exprag"
  say "installed exprag $installed to $dir/exprag"
  path_hint "$dir"
}

main "$@"
