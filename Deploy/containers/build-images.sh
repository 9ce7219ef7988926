#!/usr/bin/env bash
# Builds TTHC's container images with podman, where no image registry is reachable:
#   1. base images of Debian bookworm made by debootstrap and imported (localhost/tthc-base/*),
#      once per machine: runtime (the libraries the executables link to), rabbitmq, postgres;
#   2. tthc:latest from Deploy/Dockerfile with BINARIES=prebuilt: the executables built on this
#      host (TTHC_BIN_DIR, or `swift build`'s), their resource bundles and the Swift runtime;
#   3. the broker and database images compose runs here (Deploy/containers/{rabbitmq,postgres}).
# Elsewhere `docker compose build` builds the same Dockerfile from public images instead.
#   Deploy/containers/build-images.sh            TTHC_IMAGES_DIR=/var/tmp/tthc-images by default
#   TTHC_BINARIES=build Deploy/containers/build-images.sh
#       tthc:latest compiled by the Dockerfile's build stage instead (release, about 11 minutes on
#       2 cores), on a toolchain image made here: localhost/tthc-base/swift:bookworm, this host's
#       Swift toolchain and, where git finds packages in a local mirror (url.<dir>.insteadOf), that mirror.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
export CONTAINERS_CONF="$repo/Deploy/containers/containers.conf"
images_dir="${TTHC_IMAGES_DIR:-/var/tmp/tthc-images}"
mirror="${TTHC_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
log() { printf '[images] %s\n' "$*" >&2; }

missing=()
for p in podman podman-compose debootstrap; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A base image: a copy of the minimal bookworm with the given packages, installed from the host's
# side (chroot), so that no container needs a network to a mirror.
base_image() {
  local name="$1"; shift
  local image="localhost/tthc-base/$name:bookworm"
  if podman image exists "$image"; then return; fi
  # Made aside and moved in place once complete: a failed run is never taken for a base.
  if [ ! -d "$images_dir/minbase" ]; then
    log "debootstrap bookworm (minbase) into $images_dir/minbase"
    rm -rf "$images_dir/minbase.partial"
    mkdir -p "$images_dir"
    debootstrap --variant=minbase --include=ca-certificates bookworm "$images_dir/minbase.partial" "$mirror" \
      >"$images_dir/debootstrap.log" 2>&1 || { tail -20 "$images_dir/debootstrap.log" >&2; exit 1; }
    mv "$images_dir/minbase.partial" "$images_dir/minbase"
  fi
  local root="$images_dir/$name"
  rm -rf "$root"
  cp -a "$images_dir/minbase" "$root"
  # Packages' scripts must not start their servers on the host.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod +x "$root/usr/sbin/policy-rc.d"
  log "installing $* into $image"
  chroot "$root" apt-get update -qq
  chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$images_dir/$name-apt.log" 2>&1 \
    || { tail -20 "$images_dir/$name-apt.log" >&2; exit 1; }
  chroot "$root" apt-get clean
  rm -rf "$root/var/lib/apt/lists/"* "$root/usr/sbin/policy-rc.d"
  local changes=()
  if [ "$name" = swift ]; then add_toolchain "$root"; changes=(--change "ENV PATH=$swift_root/usr/bin:$default_path"); fi
  tar -C "$root" -c . | podman import --quiet "${changes[@]}" - "$image" >/dev/null
  rm -rf "$root"
  log "$image imported"
}

default_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
swift_root="$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")"
# The build stage's toolchain: this host's Swift, and the local package mirrors git is told of.
add_toolchain() {
  local root="$1" base
  log "copying the Swift toolchain ($swift_root) into the build image"
  mkdir -p "$root$swift_root"
  cp -a "$swift_root/." "$root$swift_root/"
  git config --system --get-regexp '^url\..*\.insteadof$' 2>/dev/null | while read -r key value; do
    base="${key#url.}"; base="${base%.insteadof}"
    if [ -d "$base" ]; then
      [ -d "$root$base" ] || { mkdir -p "$root$base"; cp -a "$base/." "$root$base/"; }
      chroot "$root" git config --system --add "url.$base.insteadOf" "$value"
    fi
  done
}

base_image runtime librabbitmq4 libpq5 libssl3 libqrencode4 libcairo2 libcurl4 fonts-dejavu-core curl
base_image rabbitmq rabbitmq-server
base_image postgres postgresql-15

if [ "${TTHC_BINARIES:-prebuilt}" = build ]; then
  # The Swift toolchain's own needs (as the official swift images have) and the project's libraries.
  base_image swift binutils git libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libpython3-dev libsqlite3-0 \
    libstdc++-12-dev libxml2-dev libncurses-dev libz3-dev pkg-config tzdata zlib1g-dev \
    librabbitmq-dev libpq-dev libssl-dev libqrencode-dev libcairo2-dev
  log "building tthc:latest from source (Deploy/Dockerfile, BINARIES=build)"
  podman build -f Deploy/Dockerfile --build-arg BINARIES=build --build-arg SWIFT_IMAGE=localhost/tthc-base/swift:bookworm \
    --build-arg RUNTIME_IMAGE=localhost/tthc-base/runtime:bookworm -t localhost/tthc:latest . >"$images_dir/tthc-build.log" 2>&1 \
    || { tail -30 "$images_dir/tthc-build.log" >&2; exit 1; }
else
  # The executables built here, without their debug sections, and the Swift runtime libraries they
  # link to (the toolchain's, found by ldd).
  bin_dir="${TTHC_BIN_DIR:-$(swift build --show-bin-path)}"
  staged="$repo/Deploy/containers/prebuilt"
  rm -rf "$staged"
  mkdir -p "$staged/bin" "$staged/lib"
  executables=(tthc-intake tthc-validation tthc-routing tthc-payment tthc-notification tthc-archive tthc-admin tthc-gateway-sandbox)
  for executable in "${executables[@]}"; do
    [ -x "$bin_dir/$executable" ] || { log "$bin_dir/$executable missing: swift build first"; exit 1; }
    strip --strip-debug -o "$staged/bin/$executable" "$bin_dir/$executable"
  done
  cp -R "$bin_dir"/*.resources "$staged/bin/"
  swift_lib="$(dirname "$(dirname "$(command -v swift)")")/lib/swift/linux"
  for executable in "${executables[@]}"; do ldd "$bin_dir/$executable"; done | awk '{print $3}' | sort -u \
    | while read -r library; do
        case "$library" in "$swift_lib"/*) cp -L "$library" "$staged/lib/" ;; esac
      done
  [ -n "$(ls "$staged/lib")" ] || { log "no Swift runtime library found under $swift_lib"; exit 1; }
  log "staged $(du -sh "$staged" | cut -f1) of executables and Swift runtime"

  log "building tthc:latest"
  podman build --quiet -f Deploy/Dockerfile --build-arg BINARIES=prebuilt \
    --build-arg RUNTIME_IMAGE=localhost/tthc-base/runtime:bookworm -t localhost/tthc:latest . >/dev/null
fi
log "building the broker and database images"
podman build --quiet -f Deploy/containers/rabbitmq/Containerfile \
  --build-arg BASE_IMAGE=localhost/tthc-base/rabbitmq:bookworm -t localhost/tthc-rabbitmq:bookworm . >/dev/null
podman build --quiet -f Deploy/containers/postgres/Containerfile \
  --build-arg BASE_IMAGE=localhost/tthc-base/postgres:bookworm -t localhost/tthc-postgres:bookworm . >/dev/null
rm -rf "$repo/Deploy/containers/prebuilt"
# The staging stage's layers are no image of their own.
podman image prune -f >/dev/null
log "images: localhost/tthc:latest localhost/tthc-rabbitmq:bookworm localhost/tthc-postgres:bookworm"
