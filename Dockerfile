# Multi-stage build: the SDK image compiles, the small ASP.NET runtime image runs as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# ReadyToRun: precompiled code instead of JIT at start-up (cold start to serving 5.1 → 3.5 s on our 2-core
# machine, docs/benchmarks.md).
RUN dotnet publish src/Homeserver -c Release --use-current-runtime --self-contained false -p:PublishReadyToRun=true -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data homeserver && mkdir -p /data && chown homeserver /data
WORKDIR /data
COPY --from=build /app /app
USER homeserver
# The collector's budgets: gen0 and gen1 at most 16 and 6 MiB instead of up to 200 MiB each, which a non-concurrent
# collector otherwise allows (100-140 MiB less peak resident memory under load), and gen0 at 16 MiB from the start and
# not below: a smaller one collected in the middle of a big room's message, with every member's long-poll alive (the
# fanout's median 44 -> 29 ms, no peak memory added; docs/benchmarks.md, thirty-eighth and thirty-ninth rounds).
# Only environment variables set them; the launch profile (dotnet run) and bench.sh use the same.
ENV DOTNET_GCgen0size=0x1000000 \
    DOTNET_GCGen0MaxBudget=0x1000000 \
    DOTNET_GCGen1MaxBudget=0x600000 \
    Homeserver__Listeners__Client__Url=http://0.0.0.0:8008 \
    Homeserver__Database__ConnectionString="Data Source=/data/homeserver.db" \
    Homeserver__SigningKeyPath=/data/signing.key \
    Homeserver__Media__StorePath=/data/media
VOLUME /data
EXPOSE 8008 8448
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD curl -fsS http://127.0.0.1:8008/health || exit 1
ENTRYPOINT ["dotnet", "/app/Matrix.Homeserver.dll"]
