#!/usr/bin/env bash
# Builds a siftload release, offline, from the module cache:
#
#   release/release.sh [VERSION [OUTDIR]]     (default: git describe, dist/)
#
# OUTDIR gets one static binary per platform (CGO_ENABLED=0), named
# siftload-VERSION-OS-ARCH[.exe]; siftload-VERSION-docs.tar.gz with the man
# pages (man/man1) and the shell completions (completions/); and SHA256SUMS
# over all of them (check with: sha256sum -c SHA256SUMS). Each binary is
# stamped with VERSION (-ldflags -X) and the commit (the build info's
# vcs.revision and vcs.time: "siftload version" and go version -m show
# them). The build runs in a fresh clone of the commit (HEAD): what is
# released is what is committed, and a git worktree, whose .git is a file
# that Go's VCS stamping does not follow, is stamped too. A rebuild of one
# commit gives the same bytes: -trimpath, no build id, the docs dated by the
# commit (SOURCE_DATE_EPOCH).
#
# PLATFORMS="linux/amd64 windows/amd64" builds fewer platforms (CI does).
# GOPROXY=off unless set: a release needs no network, and a module missing
# from the cache is an error, not a download.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:-$(git describe --tags --always 2>/dev/null || echo dev)}
out=$(mkdir -p "${2:-dist}" && cd "${2:-dist}" && pwd)
rev=$(git rev-parse HEAD)
platforms=${PLATFORMS:-linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/amd64 darwin/arm64}
export GOPROXY=${GOPROXY_RELEASE:-off} GOFLAGS=-mod=readonly CGO_ENABLED=0
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
export SOURCE_DATE_EPOCH

case $version in
  */* | *' '* | '') echo "release: bad version '$version'" >&2; exit 2 ;;
esac
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "release: uncommitted changes are not released (building $rev)" >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q --no-checkout "$(pwd)" "$tmp/src"
git -C "$tmp/src" checkout -q --detach "$rev"
cd "$tmp/src"
ldflags="-s -w -buildid= -X github.com/siftload/siftload/internal/cli.version=$version"

files=()
for p in $platforms; do
  os=${p%/*} arch=${p#*/}
  name="siftload-$version-$os-$arch"
  [ "$os" = windows ] && name+=.exe
  echo "release: $name"
  GOOS=$os GOARCH=$arch go build -buildvcs=true -trimpath -ldflags "$ldflags" -o "$out/$name" ./cmd/siftload
  # The stamp: the version (-X; -trimpath keeps -ldflags out of the build
  # info), and the commit from the build info.
  grep -qaF -- "$version" "$out/$name" || { echo "release: $name lacks the version" >&2; exit 1; }
  go version -m "$out/$name" | grep -q "vcs.revision=$rev" || { echo "release: $name lacks the revision" >&2; exit 1; }
  if [ "$os/$arch" = "$(go env GOHOSTOS)/$(go env GOHOSTARCH)" ]; then
    "$out/$name" version | tee "$tmp/version"
    grep -q "siftload $version" "$tmp/version" && grep -q "revision  $rev" "$tmp/version" ||
      { echo "release: $name version does not print $version and $rev" >&2; exit 1; }
  fi
  files+=("$name")
done

docs="$tmp/docs"
go run -buildvcs=true -trimpath -ldflags "$ldflags" ./release/gendocs "$docs"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
  -C "$docs" -cf - man completions | gzip -n >"$out/siftload-$version-docs.tar.gz"
files+=("siftload-$version-docs.tar.gz")

(cd "$out" && sha256sum "${files[@]}" >SHA256SUMS)
echo "release: $version in $out/:"
(cd "$out" && cat SHA256SUMS)
