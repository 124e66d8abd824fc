# A minimal image of mlsec: the static binary on distroless (no shell, no
# package manager), run as the non-root user, with mlsec as the entrypoint:
#
#   docker run --rm -v "$PWD:/work" -w /work IMAGE scan ./model
#
# GoReleaser builds it from the release binary (dockers_v2 in
# .goreleaser.yaml, context: the binary as ./mlsec). Build it by hand from a
# snapshot with:
#
#   goreleaser release --snapshot --clean
#   docker build -t mlsec:dev -f Dockerfile dist/mlsec_linux_amd64_v1
#
# mlsec is built with CGO_ENABLED=0, so the static image (CA certificates and
# /etc/passwd only) is all it needs. Pin the base by digest in production.
FROM gcr.io/distroless/static-debian12:nonroot
COPY mlsec /usr/local/bin/mlsec
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/mlsec"]
CMD ["--help"]
