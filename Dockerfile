# syntax=docker/dockerfile:1
#
# perfgate as a container image: one static binary (musl; TLS is rustls with
# ring, so no OpenSSL) on distroless `static`, which adds only the CA
# certificates, /etc/passwd with the non-root user 65532, /tmp and time zone
# data. No shell, no package manager.
#
#   docker build -t perfgate .
#   docker run --rm -v "$PWD/plans:/plans:ro" perfgate run /plans/predict.yaml --host http://HOST:5001
#
# Linted with hadolint (tests/dockerfile.rs).

# The toolchain perfgate is tested with. The Alpine images are musl-native:
# `cargo build` makes a statically linked binary with no cross target, on
# every architecture the image exists for (amd64, arm64).
ARG RUST_VERSION=1.95
FROM rust:${RUST_VERSION}-alpine3.23 AS build
SHELL ["/bin/ash", "-eo", "pipefail", "-c"]
WORKDIR /src
# Only what the build reads (see .dockerignore): the manifest names the
# benchmark, so its file must exist, though it is not built.
COPY Cargo.toml Cargo.lock ./
COPY benches/alloc_count.rs benches/
COPY src src
# The registry and target folders are build caches, not layers; the binary is
# copied out of them. A binary that asks for a dynamic loader (an INTERP
# header) could not run on distroless `static`: refused here.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin perfgate \
    && cp target/release/perfgate /perfgate \
    && if readelf --program-headers /perfgate | grep -q INTERP; then \
        echo "perfgate is not statically linked" >&2; exit 1; \
    fi \
    && /perfgate --version

# The same binary with busybox's `sh`, for CI runners that execute a job's
# script inside the image (GitLab CI): `docker build --target debug`,
# published as the `-debug` tag.
FROM gcr.io/distroless/static-debian12:debug-nonroot AS debug
COPY --from=build /perfgate /usr/local/bin/perfgate
USER 65532:65532
ENTRYPOINT ["perfgate"]

# The image: the binary, CA certificates, no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /perfgate /usr/local/bin/perfgate
# Numeric, so that Kubernetes' `runAsNonRoot` can check it.
USER 65532:65532
ENTRYPOINT ["perfgate"]
CMD ["--help"]
