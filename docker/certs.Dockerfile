# The `certs` one-shot of compose.yaml: openssl on the Debian base the Gatehouse image already
# uses, so making the development certificates needs no network when the stack starts (an
# air-gapped host only needs the images) and no extra base image.
#
#   docker build -f docker/certs.Dockerfile -t gatehouse-certs:local docker
ARG RUNTIME_IMAGE=debian:bookworm-slim
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssl \
    && rm -rf /var/lib/apt/lists/*
CMD ["openssl", "version"]
