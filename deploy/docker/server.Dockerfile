# The Pax.Live server: ASP.NET Core with the co-hosted Orleans silo, embedded MQTT broker, ingest, SignalR, HTTP API.
# Build from the repository root:   docker build -f deploy/docker/server.Dockerfile -t pax-live-server .
#
# .NET 10 publishes no Debian images: the default tags are Ubuntu 24.04 ("noble"). global.json asks for SDK 10.0.401 or a
# later feature band; if the SDK image you pull is older, pass --build-arg SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:<newer>.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Restore first, from the project files only, so that a code change does not download the packages again.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Pax.Live.Contracts/Pax.Live.Contracts.csproj src/Pax.Live.Contracts/
COPY src/Pax.Live.Aggregation/Pax.Live.Aggregation.csproj src/Pax.Live.Aggregation/
COPY src/Pax.Live.Abstractions/Pax.Live.Abstractions.csproj src/Pax.Live.Abstractions/
COPY src/Pax.Live.Grains/Pax.Live.Grains.csproj src/Pax.Live.Grains/
COPY src/Pax.Live.Server/Pax.Live.Server.csproj src/Pax.Live.Server/
RUN dotnet restore src/Pax.Live.Server/Pax.Live.Server.csproj
COPY src/ src/
# The server ships the sample catalogue and the schema scripts (linked from deploy/ in its project file).
COPY deploy/places/ deploy/places/
COPY deploy/sql/ deploy/sql/
RUN dotnet publish src/Pax.Live.Server/Pax.Live.Server.csproj -c Release --no-restore -o /app

FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /app ./
# Where the server keeps its files (signing key, SQLite file when not on PostgreSQL); mount a volume here for SQLite.
RUN mkdir -p /var/lib/pax && chown "$APP_UID" /var/lib/pax
USER $APP_UID
# A 64 MB gen0 budget: in a container with one CPU the runtime chooses workstation GC, whose small budget collected
# ten times a second under load and paused the server for a seventh of its time (docs/performance.md, "On one core").
# Only the environment sets it; with server GC (more CPUs) it changes nothing measurable.
ENV DOTNET_GCgen0size=0x4000000 \
    ASPNETCORE_HTTP_PORTS="" \
    Urls=http://0.0.0.0:8080 \
    Pax__DataDirectory=/var/lib/pax \
    Logging__Console__FormatterName=json \
    Logging__Console__FormatterOptions__TimestampFormat=yyyy-MM-ddTHH:mm:ss.fffZ \
    DOTNET_shutdownTimeoutSeconds=45
# 8080 HTTP + SignalR, 1883 MQTT (embedded broker), 11111 silo, 30000 gateway, 9464 metrics (with Pax__Metrics__Port=9464)
EXPOSE 8080 1883 11111 30000 9464
ENTRYPOINT ["dotnet", "Pax.Live.Server.dll"]
