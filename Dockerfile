# A minimal image of mlsec: the static binary on distroless (no shell, no
# package manager), run as the non-root user, with mlsec as the entrypoint:
#
#   docker run --rm -v "$PWD:/work" IMAGE scan ./model
#
# GoReleaser builds it from the release binaries (dockers_v2 in
# .goreleaser.yaml: docker buildx, one image per platform; the build context
# holds each binary as <os>/<arch>/mlsec, which TARGETPLATFORM names). By
# hand, from a snapshot (goreleaser release --snapshot --clean):
#
#   mkdir -p ctx/linux/amd64 && cp dist/mlsec_linux_amd64_v1/mlsec ctx/linux/amd64/
#   docker buildx build --platform linux/amd64 -t mlsec:dev -f Dockerfile ctx
#
# mlsec is built with CGO_ENABLED=0, so the static image (CA certificates and
# /etc/passwd only) is all it needs. Pin the base by digest in production.
FROM gcr.io/distroless/static-debian12:nonroot
ARG TARGETPLATFORM
COPY $TARGETPLATFORM/mlsec /usr/local/bin/mlsec
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/mlsec"]
CMD ["--help"]
