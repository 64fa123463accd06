# syntax=docker/dockerfile:1

# ---- build stage: the Go toolchain, thrown away after the build ----
# The tag follows the newest 1.26.x; the image sets GOTOOLCHAIN=local, so it
# must be at least the version on go.mod's go line.
FROM golang:1.26-bookworm AS build
WORKDIR /src

# Modules first, in their own layer: it is rebuilt only when go.mod or go.sum
# change, not on every source edit.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .

# CGO off: the SQLite driver is pure Go, so the binary is fully static and
# runs on an image without libc. -trimpath keeps build paths out of the
# binary; -s -w drop the symbol and DWARF tables. The cache mount keeps the
# compiler cache between builds without putting it in a layer.
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/pipeline ./cmd/pipeline

# The final image has no shell to run mkdir in: prepare the data folder here
# and copy it over with the right owner.
RUN mkdir -p -m 0750 /out/var/lib/pipeline/data

# ---- final stage: static binary on distroless ----
# distroless/static has CA certificates, tzdata and a non-root user (65532),
# and no shell or package manager to attack.
FROM gcr.io/distroless/static-debian12:nonroot

ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="pipeline" \
      org.opencontainers.image.description="Register of the county's major investment projects, served as a JSON API" \
      org.opencontainers.image.vendor="Guangling County Development and Reform Bureau" \
      org.opencontainers.image.source="https://github.com/guangling/pipeline" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

COPY --from=build /out/pipeline /usr/local/bin/pipeline
# data/ is owned by the nonroot user so the embedded SQLite file and generated
# keys can be written; a new named volume mounted on it copies this owner.
COPY --from=build --chown=65532:65532 /out/var/lib/pipeline /var/lib/pipeline

WORKDIR /var/lib/pipeline
# An absolute path, so the data never depends on the working directory.
ENV PIPELINE_DATA_DIR=/var/lib/pipeline/data

USER nonroot:nonroot
EXPOSE 8080

# No container HEALTHCHECK: the image has no shell or curl. Probe /healthz
# (liveness) and /readyz (readiness) from the orchestrator instead.
ENTRYPOINT ["/usr/local/bin/pipeline"]
CMD ["serve"]
