# syntax=docker/dockerfile:1
# prosody-wizard itself, for people without Go: a static binary in an empty
# image. Build: docker build -t prosody-wizard .
# Run against the current folder (files land in ./<domain>):
#   docker run --rm -it -v "$PWD:/work" prosody-wizard --answers answers.yaml
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/prosody-wizard . \
	&& mkdir -p /out/work

FROM scratch
COPY --from=build /out/prosody-wizard /prosody-wizard
COPY --from=build /out/work /work
WORKDIR /work
# Runs as root inside the container so it can give files to the right owner:
# compose repos belong to the owner of the mounted folder (Prosody refuses
# to run as root), host installs to the prosody user of the mounted root.
ENTRYPOINT ["/prosody-wizard"]
