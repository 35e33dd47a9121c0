#!/usr/bin/env bash
# Builds the local base image toolkit/base:bookworm without any registry: a minimal Debian rootfs
# (debootstrap, from the Debian mirror) plus the .NET runtime of this machine, imported with
# `docker import`. The rootfs tarball is kept in artifacts/base/ and reused, so only the first
# run needs the mirror; an existing image with the same runtime is kept (FORCE=1 remakes it).
# Needs root for debootstrap (not when the rootfs tarball is kept). Usage: docker/base/make-base.sh [TAG]
set -euo pipefail

tag="${1:-toolkit/base:bookworm}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/artifacts/base"
# What debootstrap adds to minbase. .NET with InvariantGlobalization needs only libc, libstdc++, libgcc,
# zlib and (for HTTPS) libssl + ca-certificates; LightGBM's native library (train/mlnet-lightgbm) needs libgomp1.
packages="ca-certificates,libssl3,zlib1g,libstdc++6,libgomp1"
rootfs_tar="$cache/bookworm-rootfs.tar"
# The kept rootfs (its package list beside it) and an existing image are reused only for the same packages.
rootfs_packages="$cache/bookworm-rootfs.packages"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
dotnet_root="${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}"

runtime_version="$(ls "$dotnet_root/shared/Microsoft.NETCore.App" | sort -V | tail -1)"
# mlops references ASP.NET Core (the model server, `mlops serve`), so its runtimeconfig names both frameworks.
aspnet_version="$(ls "$dotnet_root/shared/Microsoft.AspNetCore.App" | sort -V | tail -1)"

# docker import stamps a new image ID each time, which would invalidate every image built on it:
# keep an existing base with the same runtime unless FORCE=1.
if [[ "${FORCE:-0}" != 1 ]] && existing="$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$tag" 2>/dev/null)" \
   && grep -qx "DOTNET_VERSION=$runtime_version" <<<"$existing" && grep -qx "ASPNET_VERSION=$aspnet_version" <<<"$existing" \
   && grep -qx "BASE_PACKAGES=$packages" <<<"$existing"; then
  echo "$tag exists with .NET $runtime_version (FORCE=1 to remake it)"
  exit 0
fi

mkdir -p "$cache"
if [[ ! -s "$rootfs_tar" || "$(cat "$rootfs_packages" 2>/dev/null)" != "$packages" ]]; then
  # debootstrap refuses anyone but root: say so in one line rather than let it fail half-way.
  if [[ "$(id -u)" != 0 ]]; then
    echo "make-base.sh: debootstrap needs root: run sudo bash docker/base/make-base.sh (or ./build.sh --target=Images.Base as root)" >&2
    exit 1
  fi
  work="$(mktemp -d)"
  # minbase = essential + apt, plus $packages.
  debootstrap --variant=minbase --include="$packages" bookworm "$work/rootfs" "$mirror"
  # Trim what a runtime image never uses: apt lists and caches, docs, man pages, locales.
  rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/* \
         "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/locale/* \
         "$work"/rootfs/usr/share/info/*
  tar --numeric-owner -C "$work/rootfs" -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
  printf '%s\n' "$packages" > "$rootfs_packages"
  rm -rf "$work"
fi

# Layer the .NET runtime (host + Microsoft.NETCore.App + Microsoft.AspNetCore.App, not the SDK) on top of the rootfs,
# at the same place the official runtime image has it, so the components Dockerfile is the same
# for both bases.
stage="$(mktemp -d)"
combined="$(mktemp -d)"
trap 'rm -rf "$stage" "$stage.runtime.tar" "$combined"' EXIT
mkdir -p "$stage/usr/share/dotnet/shared/Microsoft.NETCore.App" "$stage/usr/share/dotnet/shared/Microsoft.AspNetCore.App" "$stage/usr/bin"
cp "$dotnet_root/dotnet" "$stage/usr/share/dotnet/"
cp -r "$dotnet_root/host" "$stage/usr/share/dotnet/"
cp -r "$dotnet_root/shared/Microsoft.NETCore.App/$runtime_version" "$stage/usr/share/dotnet/shared/Microsoft.NETCore.App/"
cp -r "$dotnet_root/shared/Microsoft.AspNetCore.App/$aspnet_version" "$stage/usr/share/dotnet/shared/Microsoft.AspNetCore.App/"
ln -s /usr/share/dotnet/dotnet "$stage/usr/bin/dotnet"

# The import is one layer: rootfs + runtime. ENV lines match mcr.microsoft.com/dotnet/runtime.
tar --numeric-owner -C "$stage" -cf "$stage.runtime.tar" .
tar --numeric-owner -C "$combined" -xf "$rootfs_tar"
tar --numeric-owner -C "$combined" -xf "$stage.runtime.tar"
tar --numeric-owner -C "$combined" -c . | docker import \
  --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
  --change 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true' \
  --change "ENV DOTNET_VERSION=$runtime_version" \
  --change "ENV ASPNET_VERSION=$aspnet_version" \
  --change "ENV BASE_PACKAGES=$packages" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  - "$tag"
echo "$tag (.NET $runtime_version): $(docker image inspect -f '{{.Size}}' "$tag") bytes"
